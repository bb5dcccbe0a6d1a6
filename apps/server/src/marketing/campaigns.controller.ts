/**
 * Campaigns (`/api/campaigns`): planning, launch and configuration need the platform right
 * `marketing.manage`; reading members and recording responses is open to anyone who may read the
 * members' customers (the service scopes every answer).
 */
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { CampaignCreateBody, CampaignMembersQuery, CampaignPatchBody, CampaignResponseBody, MessagePreviewBody, type Campaign, type MessagePreview, type CampaignLaunchAnswer, type CampaignMembersPage, type CampaignPlanningOptions, type CampaignResponseAnswer } from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { CampaignsService } from './campaigns.service.js';
import { MessageTemplates } from './message-templates.js';

@Controller('api/campaigns')
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly templates: MessageTemplates,
  ) {}

  @Get()
  async list(@CurrentUser() p: Principal): Promise<{ items: Campaign[] }> {
    return { items: await this.campaigns.list(p) };
  }

  @Post()
  @RequireRight('marketing.manage')
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<Campaign> {
    return this.campaigns.create(p, parseInput(CampaignCreateBody, body));
  }

  @Get('planning-options')
  @RequireRight('marketing.manage')
  options(@CurrentUser() p: Principal): Promise<CampaignPlanningOptions> {
    return this.campaigns.planningOptions(p);
  }

  @Post('message-preview')
  @HttpCode(200)
  @RequireRight('marketing.manage')
  preview(@CurrentUser() p: Principal, @Body() body: unknown): Promise<MessagePreview> {
    return this.templates.preview(p, parseInput(MessagePreviewBody, body));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Campaign> {
    return this.campaigns.get(p, id);
  }

  @Patch(':id')
  @RequireRight('marketing.manage')
  update(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<Campaign> {
    return this.campaigns.update(p, id, parseInput(CampaignPatchBody, body));
  }

  @Post(':id/launch')
  @HttpCode(202)
  @RequireRight('marketing.manage')
  launch(@CurrentUser() p: Principal, @Param('id') id: string): Promise<CampaignLaunchAnswer> {
    return this.campaigns.launch(p, id);
  }

  @Post(':id/refresh')
  @HttpCode(202)
  @RequireRight('marketing.manage')
  refresh(@CurrentUser() p: Principal, @Param('id') id: string): Promise<{ jobId: string }> {
    return this.campaigns.refresh(p, id);
  }

  @Get(':id/members')
  members(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown): Promise<CampaignMembersPage> {
    return this.campaigns.members(p, id, parseInput(CampaignMembersQuery, query));
  }

  @Post(':id/responses')
  @HttpCode(200)
  respond(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<CampaignResponseAnswer> {
    return this.campaigns.respond(p, id, parseInput(CampaignResponseBody, body));
  }
}
