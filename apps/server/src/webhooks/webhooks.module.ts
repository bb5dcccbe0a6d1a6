/** Outbound webhooks: subscriptions, the transactional outbox and the delivery worker. */
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { WebhooksController } from './webhooks.controller.js';
import { WebhooksService } from './webhooks.service.js';
import { WEBHOOK_CLOCK, WebhookDelivery, systemClock } from './webhook-delivery.js';

@Module({
  imports: [AuditModule],
  providers: [WebhooksService, WebhookDelivery, { provide: WEBHOOK_CLOCK, useValue: systemClock }],
  controllers: [WebhooksController],
})
export class WebhooksModule {}
