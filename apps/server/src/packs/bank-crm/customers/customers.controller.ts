import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { z } from 'zod';
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
import { RequestContext } from '../../../common/request-context.js';

const segmentFilter = z.record(z.string(), z.unknown()).refine((f) => Object.keys(f).length > 0 && JSON.stringify(f).length <= 20_000, 'a non-empty filter object of at most 20000 characters');
const segmentInput = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  name: z.string().trim().min(1).max(200),
  targetObject: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/).optional(),
  filter: segmentFilter,
  description: z.string().max(2000).optional(),
}).strict();
const segmentChange = z.object({
  version: z.number().int().min(1),
  name: z.string().trim().min(1).max(200).optional(),
  filter: segmentFilter.optional(),
  description: z.string().max(2000).nullable().optional(),
}).strict();

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
  ) {}

  @Get('customers/guarantee-circles')
  circles(@CurrentUser() p: Principal) {
    return this.guaranteeCircles.circles(p);
  }

  @Post('customers/guarantee-circles/detect')
  @RequireRight('designer')
  detect() {
    return this.guaranteeCircles.detectCircles();
  }

  @Post('customers/tags/recompute')
  @RequireRight('designer')
  recompute() {
    return this.ruleTags.recomputeTags();
  }

  @Post('customers/kyc-reviews/schedule')
  @RequireRight('designer')
  scheduleKyc(@Body() body: unknown) {
    const { max } = parseInput(z.object({ max: z.number().int().min(1).max(5000).optional() }), body);
    return this.bank.scheduleKycReviews(max);
  }

  @Get('customers/:id/360')
  view360(@CurrentUser() p: Principal, @Param('id') id: string) {
    return this.view.view360(id, p);
  }

  @Get('customers/:id/network')
  network(@CurrentUser() p: Principal, @Param('id') id: string, @Query() q: unknown) {
    const { depth } = parseInput(z.object({ depth: z.coerce.number().int().min(1).max(MAX_DEPTH).default(2) }), q);
    return this.networks.network(id, depth, p);
  }

  @Get('segments')
  segments(@CurrentUser() p: Principal) {
    return this.segmentsService.segments(p);
  }

  /** Saves a segment; values on sensitive fields are kept only as keyed hashes (record rights of the segment object apply). */
  @Post('segments')
  createSegment(@CurrentUser() p: Principal, @Body() body: unknown) {
    return this.segmentDefs.create(p, parseInput(segmentInput, body), lang());
  }

  @Patch('segments/:code')
  updateSegment(@CurrentUser() p: Principal, @Param('code') code: string, @Body() body: unknown) {
    return this.segmentDefs.update(p, code, parseInput(segmentChange, body), lang());
  }

  @Get('segments/:code')
  segment(@CurrentUser() p: Principal, @Param('code') code: string) {
    return this.segmentsService.segmentWithCount(code, p);
  }

  @Get('segments/:code/members')
  members(@CurrentUser() p: Principal, @Param('code') code: string, @Query() q: unknown) {
    const { limit, cursor } = parseInput(z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(2000).optional() }), q);
    return this.segmentsService.members(code, p, { limit, ...(cursor ? { cursor } : {}) });
  }

  @Post('segments/:code/start-process')
  @RequireRight('process.start')
  startProcess(@CurrentUser() p: Principal, @Param('code') code: string, @Body() body: unknown) {
    const { processKey, max } = parseInput(z.object({ processKey: z.string().min(1).max(200), max: z.number().int().min(1).max(1000).default(100) }), body);
    return this.segmentsService.startForSegment(code, p, processKey, max);
  }
}
