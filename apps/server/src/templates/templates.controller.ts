import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApplyRolesBody, type ApplyRolesResult, type InstallResult, type Items, type Template, type TemplateSummary } from '@crm/shared';
import { parseInput } from '../common/validation.js';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequestContext } from '../common/request-context.js';
import { TemplatesService } from './templates.service.js';

@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  async list(): Promise<Items<TemplateSummary>> {
    return { items: await this.templates.list() };
  }

  @Get(':key')
  get(@Param('key') key: string): Promise<Template> {
    return this.templates.get(key);
  }

  @Post(':key/install')
  @RequireRight('designer')
  install(@CurrentUser() p: Principal, @Param('key') key: string): Promise<InstallResult> {
    return this.templates.install(key, p, RequestContext.current()?.lang ?? 'zh-CN');
  }

  /** The security administrator applies the pack's definition of the named roles (what an install reported as differences). */
  @Post(':key/roles/apply')
  @RequireRight('admin.roles')
  applyRoles(@Param('key') key: string, @Body() body: unknown): Promise<ApplyRolesResult> {
    const { roles } = parseInput(ApplyRolesBody, body);
    return this.templates.applyRoles(key, roles);
  }
}
