import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  CustomerLookupQuery, KycScheduleBody, NextActionDismissBody, type NextAction, type NextActionDecision, networkQuery, SegmentBody, SegmentMembersQuery, SegmentPatchBody, SegmentStartBody,
  type CircleDetection, type Customer360, type CustomerLookupResult, type GuaranteeCircle, type Items, type Page, type RecordData, type SegmentWithCount, type CustomerNetwork, type KycScheduleResult, type RuleTagRecompute, type SegmentStartResult, type Unserialized,
} from '@crm/shared';
import { RequireRight } from '../../../access/platform-rights.js';
import { CurrentUser, type Principal } from '../../../auth/principal.js';
import { parseInput } from '../../../common/validation.js';
import { Customer360Service } from './customer360.service.js';
import { GuaranteeCircles } from './guarantee-circles.service.js';
import { MAX_DEPTH, NetworkService } from './network.service.js';
import { RuleTagsJob } from './rule-tags.job.js';
import { SegmentsService } from './segments.service.js';
import { BankServices } from '../bank-services.js';
import { SegmentDefinitions } from './segment-definitions.js';
import { CustomerLookupService } from './customer-lookup.service.js';
import { NextActionsService } from './next-actions.service.js';
import { RequestContext } from '../../../common/request-context.js';

const NetworkQuery = networkQuery(MAX_DEPTH);
const lang = () => RequestContext.current()?.lang ?? 'zh-CN';

@Controller('api')
export class CustomersController {
  constructor(
    private readonly view: Customer360Service,
    private readonly networks: NetworkService,
    private readonly guaranteeCircles: GuaranteeCircles,
    private readonly ruleTags: RuleTagsJob,
    private readonly segmentsService: SegmentsService,
    private readonly bank: BankServices,
    private readonly segmentDefs: SegmentDefinitions,
    private readonly lookups: CustomerLookupService,
    private readonly nextBest: NextActionsService,
  ) {}

  /** Call-centre screen pop: `?phone=` or `?idNumber=` → the caller's matching customers, summarised. */
  @Get('customers/lookup')
  lookup(@CurrentUser() p: Principal, @Query() q: unknown): Promise<CustomerLookupResult> {
    return this.lookups.lookup(parseInput(CustomerLookupQuery, q), p);
  }

  @Get('customers/:id/next-actions')
  async nextActions(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Items<NextAction>> {
    return { items: await this.nextBest.suggestions(id, p, lang()) };
  }

  @Post('customers/:id/next-actions/:actionId/accept')
  @HttpCode(200)
  accept(@CurrentUser() p: Principal, @Param('id') id: string, @Param('actionId') actionId: string): Promise<NextActionDecision> {
    return this.nextBest.decide(id, actionId, { status: 'accepted' }, p, lang());
  }

  @Post('customers/:id/next-actions/:actionId/dismiss')
  @HttpCode(200)
  dismiss(@CurrentUser() p: Principal, @Param('id') id: string, @Param('actionId') actionId: string, @Body() body: unknown): Promise<NextActionDecision> {
    return this.nextBest.decide(id, actionId, { status: 'dismissed', reason: parseInput(NextActionDismissBody, body).reason }, p, lang());
  }

  @Get('customers/guarantee-circles')
  circles(@CurrentUser() p: Principal): Promise<Items<GuaranteeCircle>> {
    return this.guaranteeCircles.circles(p);
  }

  @Post('customers/guarantee-circles/detect')
  @RequireRight('designer')
  detect(): Promise<CircleDetection> {
    return this.guaranteeCircles.detectCircles();
  }

  @Post('customers/tags/recompute')
  @RequireRight('designer')
  recompute(): Promise<RuleTagRecompute> {
    return this.ruleTags.recomputeTags();
  }

  @Post('customers/kyc-reviews/schedule')
  @RequireRight('designer')
  scheduleKyc(@Body() body: unknown): Promise<KycScheduleResult> {
    const { max } = parseInput(KycScheduleBody, body);
    return this.bank.scheduleKycReviews(max);
  }

  @Get('customers/:id/360')
  view360(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Unserialized<Customer360>> {
    return this.view.view360(id, p);
  }

  @Get('customers/:id/network')
  network(@CurrentUser() p: Principal, @Param('id') id: string, @Query() q: unknown): Promise<CustomerNetwork> {
    const { depth } = parseInput(NetworkQuery, q);
    return this.networks.network(id, depth, p);
  }

  @Get('segments')
  segments(@CurrentUser() p: Principal): Promise<Items<SegmentWithCount>> {
    return this.segmentsService.segments(p);
  }

  /** Saves a segment; values on sensitive fields are kept only as keyed hashes (record rights of the segment object apply). */
  @Post('segments')
  createSegment(@CurrentUser() p: Principal, @Body() body: unknown): Promise<RecordData> {
    return this.segmentDefs.create(p, parseInput(SegmentBody, body), lang());
  }

  @Patch('segments/:code')
  updateSegment(@CurrentUser() p: Principal, @Param('code') code: string, @Body() body: unknown): Promise<RecordData> {
    return this.segmentDefs.update(p, code, parseInput(SegmentPatchBody, body), lang());
  }

  @Get('segments/:code')
  segment(@CurrentUser() p: Principal, @Param('code') code: string): Promise<SegmentWithCount> {
    return this.segmentsService.segmentWithCount(code, p);
  }

  @Get('segments/:code/members')
  members(@CurrentUser() p: Principal, @Param('code') code: string, @Query() q: unknown): Promise<Page<RecordData>> {
    const { limit, cursor } = parseInput(SegmentMembersQuery, q);
    return this.segmentsService.members(code, p, { limit, ...(cursor ? { cursor } : {}) });
  }

  @Post('segments/:code/start-process')
  @RequireRight('process.start')
  startProcess(@CurrentUser() p: Principal, @Param('code') code: string, @Body() body: unknown): Promise<SegmentStartResult> {
    const { processKey, max } = parseInput(SegmentStartBody, body);
    return this.segmentsService.startForSegment(code, p, processKey, max);
  }
}
