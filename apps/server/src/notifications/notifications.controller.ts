/**
 * The notification centre: the caller's list and read marks, and the event stream. EventSource
 * cannot send an Authorization header, and an access token in a URL ends up in logs: the browser
 * first asks for a single-use ticket with its bearer token, then opens the stream with the ticket.
 */
import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import {
  NotificationListQuery, NotificationStreamQuery, type NotificationPage, type NotificationRead, type StreamTicket, type Unserialized,
} from '@crm/shared';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { Public } from '../common/public.decorator.js';
import { AppError } from '../common/app-error.js';
import { parseInput } from '../common/validation.js';
import { NotificationsService } from './notifications.service.js';
import { NotificationStreams } from './notification-streams.js';

@Controller('api/notifications')
export class NotificationsController {
  constructor(
    private readonly store: NotificationsService,
    private readonly streams: NotificationStreams,
  ) {}

  @Get()
  list(@CurrentUser() p: Principal, @Query() q: unknown): Promise<Unserialized<NotificationPage>> {
    return this.store.list(p, parseInput(NotificationListQuery, q));
  }

  @Post('stream-ticket')
  @HttpCode(200)
  ticket(@CurrentUser() p: Principal): Promise<Unserialized<StreamTicket>> {
    return this.store.issueTicket(p);
  }

  /** Public as a route: the ticket is the credential (single-use, valid for seconds, bound to its user). */
  @Public()
  @Get('stream')
  async stream(@Query() q: unknown, @Res() reply: FastifyReply): Promise<void> {
    const { ticket, after } = parseInput(NotificationStreamQuery, q);
    const userId = await this.store.redeemTicket(ticket);
    if (!userId) throw new AppError(401, 'notifications.ticket_invalid');
    reply.hijack();
    try {
      await this.streams.open(userId, reply.raw, after);
    } catch {
      // The database failed while the stream opened: the browser reconnects later with a new ticket.
      if (reply.raw.headersSent) reply.raw.end();
      else reply.raw.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code: 'common.unavailable', message: '服务暂不可用，请稍后重试' } }));
    }
  }

  @Post('read-all')
  @HttpCode(200)
  readAll(@CurrentUser() p: Principal): Promise<NotificationRead> {
    return this.store.markAllRead(p);
  }

  @Post(':id/read')
  @HttpCode(200)
  read(@CurrentUser() p: Principal, @Param('id') id: string): Promise<NotificationRead> {
    return this.store.markRead(p, id);
  }
}
