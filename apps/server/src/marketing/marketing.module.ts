/** Marketing: the contact gates (consent, do-not-disturb, quiet hours, frequency caps), the message outbox, campaigns. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import './marketing.messages.js';
import { ContactGates, MARKETING_CLOCK, systemMarketingClock } from './contact-gates.js';
import { MarketingOutbox } from './marketing-outbox.js';
import { MarketingSettingsController } from './marketing-settings.controller.js';

@Module({
  imports: [AuditModule],
  providers: [ContactGates, MarketingOutbox, { provide: MARKETING_CLOCK, useValue: systemMarketingClock }],
  controllers: [MarketingSettingsController],
  exports: [ContactGates, MarketingOutbox],
})
export class MarketingModule {}
