/**
 * Retention routes (platform right `process.admin`): a process definition's history time-to-live,
 * and a housekeeping pass on demand (the same pass the schedule runs).
 */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { HistoryTtlBody, type HistoryTtl, type HousekeepingResult } from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { HousekeepingService } from './housekeeping.service.js';
import { RetentionPoliciesService } from './retention-policies.service.js';

@Controller('api')
export class HousekeepingController {
  constructor(
    private readonly policies: RetentionPoliciesService,
    private readonly housekeeping: HousekeepingService,
  ) {}

  @Get('process-definitions/:key/history-ttl')
  @RequireRight('process.admin')
  get(@Param('key') key: string): Promise<HistoryTtl> {
    return this.policies.historyTtl(key);
  }

  @Put('process-definitions/:key/history-ttl')
  @RequireRight('process.admin')
  set(@CurrentUser() p: Principal, @Param('key') key: string, @Body() body: unknown): Promise<HistoryTtl> {
    return this.policies.setHistoryTtl(p, key, parseInput(HistoryTtlBody, body).days);
  }

  @Delete('process-definitions/:key/history-ttl')
  @RequireRight('process.admin')
  clear(@Param('key') key: string): Promise<HistoryTtl> {
    return this.policies.clearHistoryTtl(key);
  }

  @Post('admin/housekeeping/run')
  @HttpCode(200)
  @RequireRight('process.admin')
  run(): Promise<HousekeepingResult> {
    return this.housekeeping.runOnce();
  }
}
