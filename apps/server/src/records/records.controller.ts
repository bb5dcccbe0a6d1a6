import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RecordsExportService } from './records-export.js';
import { AssigneeQuery, KEY_PATTERN, RecordBulkBody, type RecordBulkResult, RecordExportQuery, RecordGetQuery, RecordListQuery, RecordQueryBody, type Page, type RecordData } from '@crm/shared';
import { RecordsService } from './records.service.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { RequestContext } from '../common/request-context.js';
import { AppError } from '../common/app-error.js';

const KEY = KEY_PATTERN;

function object(k: string): string {
  if (!KEY.test(k)) throw new AppError(404, 'meta.object_not_found', { object: k.slice(0, 64) });
  return k;
}
function lang() {
  return RequestContext.current()?.lang ?? 'zh-CN';
}

@Controller('api/records')
export class RecordsController {
  constructor(
    private readonly records: RecordsService,
    private readonly exporter: RecordsExportService,
  ) {}

  /** CSV (UTF-8 with BOM, opens in Excel) or XLSX (`format=xlsx`) of the filtered list; needs the `export` action. */
  @Get(':object/export')
  async export(@Param('object') o: string, @Query() query: unknown, @CurrentUser() p: Principal, @Res() reply: FastifyReply) {
    const q = parseInput(RecordExportQuery, query);
    let filter: unknown;
    if (q.filter) {
      try {
        filter = JSON.parse(q.filter);
      } catch {
        throw new AppError(400, 'records.invalid_filter', {}, [{ path: '/filter', code: 'json', message: 'filter is not valid JSON' }]);
      }
    }
    const { filename, stream, contentType } = await this.exporter.file(object(o), { filter, sort: q.sort, fields: q.fields?.split(',').map((s) => s.trim()).filter(Boolean) }, p, lang(), q.format);
    void reply
      .header('content-type', contentType)
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store')
      .send(stream);
  }

  @Post(':object')
  create(@Param('object') o: string, @Body() body: unknown, @CurrentUser() p: Principal): Promise<RecordData> {
    return this.records.create(object(o), body ?? {}, p, { lang: lang() });
  }

  @Get(':object')
  list(@Param('object') o: string, @Query() query: unknown, @CurrentUser() p: Principal): Promise<Page<RecordData>> {
    const q = parseInput(RecordListQuery, query);
    let filter: unknown;
    if (q.filter) {
      try {
        filter = JSON.parse(q.filter);
      } catch {
        throw new AppError(400, 'records.invalid_filter', {}, [{ path: '/filter', code: 'json', message: 'filter is not valid JSON' }]);
      }
    }
    return this.records.query(object(o), { filter, sort: q.sort, limit: q.limit, cursor: q.cursor, fields: q.fields?.split(',').map((s) => s.trim()).filter(Boolean), total: q.total === 'true', display: q.display === 'true' }, p);
  }

  @Post(':object/query')
  @HttpCode(200)
  query(@Param('object') o: string, @Body() body: unknown, @CurrentUser() p: Principal): Promise<Page<RecordData>> {
    return this.records.query(object(o), parseInput(RecordQueryBody, body), p);
  }

  /** Users the caller may assign this object's records to (their org unit and below). */
  @Get(':object/assignees')
  async assignees(@Param('object') o: string, @Query() query: unknown, @CurrentUser() p: Principal) {
    return { items: await this.records.assignees(object(o), p, parseInput(AssigneeQuery, query ?? {}).q) };
  }

  /** The same change to many records (≤ 500), each through the single-write path; per-record results. */
  @Post(':object/bulk')
  @HttpCode(200)
  bulk(@Param('object') o: string, @Body() body: unknown, @CurrentUser() p: Principal): Promise<RecordBulkResult> {
    return this.records.bulk(object(o), parseInput(RecordBulkBody, body), p, lang());
  }

  @Get(':object/:id')
  get(@Param('object') o: string, @Param('id', new ParseUUIDPipe()) id: string, @Query() query: unknown, @CurrentUser() p: Principal): Promise<RecordData> {
    return this.records.get(object(o), id, p, { display: parseInput(RecordGetQuery, query ?? {}).display === 'true' });
  }

  @Patch(':object/:id')
  patch(@Param('object') o: string, @Param('id', new ParseUUIDPipe()) id: string, @Body() body: unknown, @CurrentUser() p: Principal): Promise<RecordData> {
    return this.records.patch(object(o), id, body ?? {}, p, { lang: lang() });
  }

  @Delete(':object/:id')
  @HttpCode(204)
  async remove(@Param('object') o: string, @Param('id', new ParseUUIDPipe()) id: string, @CurrentUser() p: Principal) {
    await this.records.remove(object(o), id, p);
  }
}
