import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ImportPreview, ImportStarted, ImportStatus } from '@crm/shared';
import { ImportsService } from './imports.service.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { RequestContext } from '../common/request-context.js';

function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}

@Controller('api/imports')
export class ImportsController {
  constructor(private readonly imports: ImportsService) {}

  private async upload(req: FastifyRequest) {
    if (!req.isMultipart()) throw new AppError(415, 'common.unsupported_media_type');
    return this.imports.receive(req.parts() as AsyncIterable<never>);
  }

  /** multipart/form-data: `file` (CSV or XLSX) and `options` (JSON); the rows are written in the background. */
  @Post()
  @HttpCode(202)
  async start(@Req() req: FastifyRequest, @CurrentUser() p: Principal): Promise<ImportStarted> {
    return this.imports.start(await this.upload(req), p);
  }

  /** multipart/form-data: `file` and `options` `{ object, encoding? }` → the header, the first rows and a proposed mapping. Nothing is stored as an import. */
  @Post('preview')
  @HttpCode(200)
  async preview(@Req() req: FastifyRequest, @CurrentUser() p: Principal): Promise<ImportPreview> {
    return this.imports.preview(await this.upload(req), p, lang());
  }

  @Get(':id')
  status(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal): Promise<ImportStatus> {
    return this.imports.status(id, p);
  }

  @Get(':id/rejected.csv')
  async rejected(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal, @Res() reply: FastifyReply) {
    const { filename, stream } = await this.imports.rejectedCsv(id, p, lang());
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store')
      .send(stream);
  }
}
