/** PIPL: finding a data subject's records, requests and their package, the holiday calendar (platform right `privacy`). */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  PrivacyCorrectionBody, PrivacyHolidayBody, PrivacyHolidayQuery, PrivacyLookupQuery, PrivacyRequestBody, PrivacyRequestListQuery,
  type Items, type PrivacyHoliday, type PrivacyRequest, type PrivacyRequestCreated, type PrivacySubject, type RecordData,
} from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { AuditService } from '../audit/audit.service.js';
import { SubjectFinder } from './subject-finder.js';
import { PrivacyRequests, holdView } from './privacy-requests.service.js';
import { PrivacyPackages } from './privacy-packages.js';

@Controller('api/privacy')
@RequireRight('privacy')
export class PrivacyController {
  constructor(
    private readonly finder: SubjectFinder,
    private readonly requests: PrivacyRequests,
    private readonly packages: PrivacyPackages,
    private readonly audit: AuditService,
  ) {}

  @Get('subjects')
  async lookup(@Query() q: unknown): Promise<Items<{ id: string; title: string }>> {
    const input = parseInput(PrivacyLookupQuery, q);
    const items = await this.finder.lookup(input);
    await this.audit.record({ action: 'privacy.subject.lookup', object: 'customer', data: { by: input.idNumber ? 'idNumber' : 'mobile', found: items.length } });
    return { items };
  }

  @Get('subjects/:customerId')
  async subject(@Param('customerId') customerId: string): Promise<PrivacySubject> {
    const f = await this.finder.find(customerId);
    await this.audit.record({ action: 'privacy.subject.read', object: f.subject.object, recordId: f.subject.id, data: { records: f.records.length, attachments: f.attachments.length } });
    return {
      subject: { object: f.subject.object, id: f.subject.id, title: f.subject.title },
      records: f.records.map((r) => ({ object: r.object, id: r.id, title: r.title })),
      attachments: f.attachments.map((a) => ({ id: a.id, name: a.name })),
      holds: f.holds.map((h) => holdView(h)),
      processes: f.processes,
      auditEntries: f.audit.length,
    };
  }

  @Get('requests')
  async list(@Query() q: unknown): Promise<Items<PrivacyRequest>> {
    return { items: await this.requests.list(parseInput(PrivacyRequestListQuery, q)) };
  }

  @Post('requests')
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<PrivacyRequestCreated> {
    return this.requests.create(p, parseInput(PrivacyRequestBody, body));
  }

  @Get('requests/:id')
  get(@Param('id') id: string): Promise<PrivacyRequest> {
    return this.requests.get(id);
  }

  /** The copy package (ZIP), once, to the request's handler; then it is gone. */
  @Get('requests/:id/package')
  async download(@CurrentUser() p: Principal, @Param('id') id: string, @Res() reply: FastifyReply) {
    const { filename, content } = await this.packages.takeOnce(id, p);
    void reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store')
      .send(content);
  }

  /** A correction: the ordinary record update, as the caller (their rights apply), with the request as the audited reason. */
  @Post('requests/:id/corrections')
  @HttpCode(200)
  correct(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<RecordData> {
    return this.requests.correct(p, id, parseInput(PrivacyCorrectionBody, body));
  }

  @Get('holidays')
  async holidays(@Query() q: unknown): Promise<Items<PrivacyHoliday>> {
    return { items: await this.requests.holidays(parseInput(PrivacyHolidayQuery, q).year) };
  }

  @Put('holidays/:day')
  setHoliday(@Param('day') day: string, @Body() body: unknown): Promise<PrivacyHoliday> {
    return this.requests.setHoliday(day, parseInput(PrivacyHolidayBody, body));
  }

  @Delete('holidays/:day')
  @HttpCode(204)
  async removeHoliday(@Param('day') day: string): Promise<void> {
    await this.requests.removeHoliday(day);
  }
}
