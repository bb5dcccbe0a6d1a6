/** Marketing: the contact gates (consent, do-not-disturb, quiet hours, frequency caps), the message outbox, campaigns. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import './marketing.messages.js';
import { ContactGates, MARKETING_CLOCK, systemMarketingClock } from './contact-gates.js';
import { MarketingOutbox } from './marketing-outbox.js';
import { MarketingSettingsController } from './marketing-settings.controller.js';
import { CampaignsService } from './campaigns.service.js';
import { CampaignsController } from './campaigns.controller.js';
import { CampaignLaunchJob } from './campaign-launch.job.js';
import { MarketingDemo } from './marketing-demo.js';
import { MessageTemplates } from './message-templates.js';
import { CampaignRefresher, REFRESH_CLOCK, systemRefreshClock } from './campaign-refresh.js';
import { WorkflowModule } from '../workflow/workflow.module.js';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { CampaignMemberReportSource } from './campaign-member-report-source.js';

@Module({
  imports: [AuditModule, WorkflowModule, AnalyticsModule],
  providers: [CampaignMemberReportSource, ContactGates, MarketingOutbox, CampaignsService, CampaignLaunchJob, MarketingDemo, MessageTemplates, CampaignRefresher, { provide: REFRESH_CLOCK, useValue: systemRefreshClock }, { provide: MARKETING_CLOCK, useValue: systemMarketingClock }],
  controllers: [MarketingSettingsController, CampaignsController],
  exports: [ContactGates, MarketingOutbox, CampaignsService, MarketingDemo, MessageTemplates],
})
export class MarketingModule {}
