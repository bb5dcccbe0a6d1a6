import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ViewBody, ViewListQuery, ViewPatchBody } from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { ViewsService } from './views.service.js';

/** Saved list views: every signed-in user keeps their own and sees those shared with their roles. */
@Controller('api/views')
export class ViewsController {
  constructor(private readonly views: ViewsService) {}

  @Get()
  async list(@Query() query: unknown, @CurrentUser() p: Principal) {
    return { items: await this.views.list(p, parseInput(ViewListQuery, query ?? {}).object) };
  }

  @Post()
  create(@Body() body: unknown, @CurrentUser() p: Principal) {
    return this.views.create(parseInput(ViewBody, body), p);
  }

  @Patch(':id')
  update(@Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @CurrentUser() p: Principal) {
    return this.views.update(id, parseInput(ViewPatchBody, body), p);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal) {
    await this.views.remove(id, p);
  }
}
