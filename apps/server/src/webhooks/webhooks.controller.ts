/** Outbound webhook subscriptions, their delivery log and replay (platform right `webhooks.manage`; a subscription is its owner's). */
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  WebhookCreateBody, WebhookDeliveriesQuery, WebhookReplayBody, WebhookRotateBody,
  type Webhook, type WebhookDelivery, type WebhookDeliveryDetail, type WebhookPingResult, type WebhookReplayResult, type WebhookSecret,
} from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { WebhooksService } from './webhooks.service.js';

@Controller('api/webhooks')
@RequireRight('webhooks.manage')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  async list(@CurrentUser() p: Principal): Promise<{ items: Webhook[] }> {
    return { items: await this.webhooks.list(p) };
  }

  @Post()
  create(@CurrentUser() p: Principal, @Body() body: unknown): Promise<WebhookSecret> {
    return this.webhooks.create(p, parseInput(WebhookCreateBody, body));
  }

  @Get(':id')
  get(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Webhook> {
    return this.webhooks.get(p, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() p: Principal, @Param('id') id: string): Promise<void> {
    await this.webhooks.remove(p, id);
  }

  @Post(':id/rotate')
  @HttpCode(200)
  rotate(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<WebhookSecret> {
    return this.webhooks.rotate(p, id, parseInput(WebhookRotateBody, body ?? {}).graceSeconds);
  }

  @Post(':id/enable')
  @HttpCode(200)
  enable(@CurrentUser() p: Principal, @Param('id') id: string): Promise<Webhook> {
    return this.webhooks.enable(p, id);
  }

  @Get(':id/deliveries')
  async deliveries(@CurrentUser() p: Principal, @Param('id') id: string, @Query() query: unknown): Promise<{ items: WebhookDelivery[] }> {
    return { items: await this.webhooks.deliveries(p, id, parseInput(WebhookDeliveriesQuery, query)) };
  }

  @Get(':id/deliveries/:messageId')
  delivery(@CurrentUser() p: Principal, @Param('id') id: string, @Param('messageId') messageId: string): Promise<WebhookDeliveryDetail> {
    return this.webhooks.delivery(p, id, messageId);
  }

  @Post(':id/ping')
  @HttpCode(200)
  ping(@CurrentUser() p: Principal, @Param('id') id: string): Promise<WebhookPingResult> {
    return this.webhooks.ping(p, id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  replay(@CurrentUser() p: Principal, @Param('id') id: string, @Body() body: unknown): Promise<WebhookReplayResult> {
    return this.webhooks.replay(p, id, parseInput(WebhookReplayBody, body));
  }
}
