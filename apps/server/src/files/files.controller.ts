import { Controller, Get, Param, ParseUUIDPipe, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FilesService } from './files.service.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import type { UploadedFile } from '@crm/shared';

@Controller('api/files')
export class FilesController {
  constructor(private readonly files: FilesService) {}

  /** multipart/form-data with one part named "file". */
  @Post()
  async upload(@Req() req: FastifyRequest, @CurrentUser() p: Principal, @Res({ passthrough: true }) reply: FastifyReply): Promise<UploadedFile> {
    if (!req.isMultipart()) throw new AppError(415, 'common.unsupported_media_type');
    const part = await req.file();
    if (!part) throw new AppError(400, 'files.missing');
    const stored = await this.files.store(part.file, part.filename, p);
    void reply.status(201);
    return stored;
  }

  @Get(':id')
  async download(@Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal, @Res() reply: FastifyReply) {
    const { file, stream } = await this.files.open(id, p);
    void reply
      .header('content-type', file.contentType)
      .header('content-length', String(file.size))
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
      .header('cache-control', 'private, no-store')
      .send(stream);
  }
}
