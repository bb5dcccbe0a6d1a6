/** `POST /api/events`: business events from channels and core systems (platform right `events.post`). */
import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { EventBody, type EventAccepted } from '@crm/shared';
import { RequireRight } from '../access/platform-rights.js';
import { CurrentUser, type Principal } from '../auth/principal.js';
import { parseInput } from '../common/validation.js';
import { EventsService } from './events.service.js';

@Controller('api/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @RequireRight('events.post')
  post(@CurrentUser() p: Principal, @Body() body: unknown, @Headers('idempotency-key') key?: string): Promise<EventAccepted> {
    return this.events.post(p, parseInput(EventBody, body), typeof key === 'string' && key ? key : null);
  }
}
