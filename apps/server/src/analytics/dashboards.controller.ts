import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { DashboardBody, DashboardFilterFieldsQuery, DashboardFilterOptionsQuery, DashboardListQuery, DashboardPatchBody, DashboardRunBody, KEY_PATTERN } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequireRight } from '../access/platform-rights.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { parseInput } from '../common/validation.js';
import { DashboardsService } from './dashboards.service.js';

function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}
function dashboardKey(k: string): string {
  if (!KEY_PATTERN.test(k)) throw new AppError(404, 'dashboards.not_found', { dashboard: k.slice(0, 64) });
  return k;
}

@Controller('api/dashboards')
export class DashboardsController {
  constructor(private readonly dashboards: DashboardsService) {}

  @Get()
  async list(@Query() query: unknown, @CurrentUser() p: Principal) {
    const q = parseInput(DashboardListQuery, query);
    return { items: await this.dashboards.list(p, q.mine === '1') };
  }

  /** The workbench: dashboards shared with one of the caller's roles. */
  @Get('mine')
  async mine(@CurrentUser() p: Principal) {
    return { items: await this.dashboards.list(p, true) };
  }

  /** The designer's field picker (before `:key`: `filter-fields` is no dashboard key). */
  @Get('filter-fields')
  @RequireRight('designer')
  filterFields(@Query() query: unknown) {
    const q = parseInput(DashboardFilterFieldsQuery, query);
    return this.dashboards.filterFields(q.reports.split(',').map((r) => r.trim()).filter(Boolean), q.kind, lang());
  }

  @Post()
  @RequireRight('designer')
  async create(@Body() body: unknown, @CurrentUser() p: Principal) {
    const def = parseInput(DashboardBody, body);
    await this.dashboards.create(def, p, lang());
    return this.dashboards.get(def.key, p);
  }

  @Get(':key')
  get(@Param('key') key: string, @CurrentUser() p: Principal) {
    return this.dashboards.get(dashboardKey(key), p);
  }

  @Patch(':key')
  @RequireRight('designer')
  async update(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    const k = dashboardKey(key);
    await this.dashboards.update(k, parseInput(DashboardPatchBody, body), p, lang());
    return this.dashboards.get(k, p);
  }

  @Delete(':key')
  @HttpCode(204)
  @RequireRight('designer')
  async remove(@Param('key') key: string) {
    await this.dashboards.remove(dashboardKey(key));
  }

  @Post(':key/run')
  @HttpCode(200)
  run(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.dashboards.run(dashboardKey(key), parseInput(DashboardRunBody, body), p, lang());
  }

  /** Owner, product and org-unit filters: the values the caller may pick, labelled, from the rows in the caller's scope. */
  @Get(':key/filters/:filter/options')
  filterOptions(@Param('key') key: string, @Param('filter') filter: string, @Query() query: unknown, @CurrentUser() p: Principal) {
    const q = parseInput(DashboardFilterOptionsQuery, query);
    return this.dashboards.filterOptions(dashboardKey(key), filter.slice(0, 64), q.q, p, lang());
  }
}
