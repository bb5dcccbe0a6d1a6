import { Controller, Get, Param, Post } from '@nestjs/common';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { RequestContext } from '../common/request-context.js';
import { TemplatesService } from './templates.service.js';

@Controller('api/templates')
export class TemplatesController {
  constructor(private readonly templates: TemplatesService) {}

  @Get()
  async list() {
    return { items: await this.templates.list() };
  }

  @Get(':key')
  get(@Param('key') key: string) {
    return this.templates.get(key);
  }

  @Post(':key/install')
  @RequireRight('designer')
  install(@CurrentUser() p: Principal, @Param('key') key: string) {
    return this.templates.install(key, p, RequestContext.current()?.lang ?? 'zh-CN');
  }
}
