import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { KEY_PATTERN, ReportBody, ReportCellFilterBody, ReportDrill, ReportExportQuery, ReportForecastBody, ReportPatchBody, ReportQueryBody, ReportRunBody } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequireRight } from '../access/platform-rights.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';
import { parseInput } from '../common/validation.js';
import { ReportsService, type RunResult } from './reports.service.js';
import { ReportExports } from './report-exports.service.js';
import { ReportForecasts } from './report-forecast.service.js';

function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}
function reportKey(k: string): string {
  if (!KEY_PATTERN.test(k)) throw new AppError(404, 'reports.not_found', { report: k.slice(0, 64) });
  return k;
}
/** The answer without the compiled statement (which never leaves the server). */
function answer({ compiled: _compiled, ...rest }: RunResult) {
  return rest;
}
function jsonParam(raw: string | undefined, path: string): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new AppError(400, 'common.validation_failed', {}, [{ path, code: 'json', message: `${path.slice(1)} is not valid JSON` }]);
  }
}

@Controller('api/reports')
export class ReportsController {
  constructor(
    private readonly reports: ReportsService,
    private readonly exports: ReportExports,
    private readonly forecasts: ReportForecasts,
  ) {}

  @Get()
  async list(@CurrentUser() p: Principal) {
    return { items: await this.reports.list(p) };
  }

  /** The report sources besides the objects (campaign members) the caller may report on, with their fields. */
  @Get('sources')
  async sources(@CurrentUser() p: Principal) {
    return { items: await this.reports.sources(p) };
  }

  @Post()
  @RequireRight('designer')
  create(@Body() body: unknown, @CurrentUser() p: Principal) {
    return this.reports.create(parseInput(ReportBody, body), p, lang());
  }

  /** Runs an unsaved definition (the designer's live preview) with the designer's own scope. */
  @Post('query')
  @HttpCode(200)
  @RequireRight('designer')
  async query(@Body() body: unknown, @CurrentUser() p: Principal) {
    const { drill, ...def } = parseInput(ReportQueryBody, body);
    return answer(await this.reports.execute(def, { drill }, p, lang()));
  }

  @Get(':key')
  get(@Param('key') key: string, @CurrentUser() p: Principal) {
    return this.reports.get(reportKey(key), p);
  }

  @Patch(':key')
  @RequireRight('designer')
  update(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.reports.update(reportKey(key), parseInput(ReportPatchBody, body), p, lang());
  }

  @Delete(':key')
  @HttpCode(204)
  @RequireRight('designer')
  async remove(@Param('key') key: string) {
    await this.reports.remove(reportKey(key));
  }

  /** The report's time series continued `horizon` periods (the caller's scope, like a run). */
  @Post(':key/forecast')
  @HttpCode(200)
  forecast(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.forecasts.forecast(reportKey(key), parseInput(ReportForecastBody, body), p, lang());
  }

  @Post(':key/run')
  @HttpCode(200)
  async run(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return answer(await this.reports.run(reportKey(key), parseInput(ReportRunBody, body), p, lang()));
  }

  /** The records list filter of the rows behind one cell of the caller's answer. */
  @Post(':key/cell-filter')
  @HttpCode(200)
  cellFilter(@Param('key') key: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.reports.cellFilter(reportKey(key), parseInput(ReportCellFilterBody, body), p, lang());
  }

  /** The caller's answer as CSV or XLSX; audited. */
  @Get(':key/export')
  async export(@Param('key') key: string, @Query() query: unknown, @CurrentUser() p: Principal, @Res() reply: FastifyReply) {
    const q = parseInput(ReportExportQuery, query);
    const opts = parseInput(ReportRunBody, { filter: jsonParam(q.filter, '/filter'), drill: q.drill === undefined ? undefined : parseInput(ReportDrill, jsonParam(q.drill, '/drill')) });
    const file = await this.exports.export(reportKey(key), q.format, opts, p, lang());
    void reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.filename}"`)
      .header('cache-control', 'no-store')
      .send(file.body);
  }
}
