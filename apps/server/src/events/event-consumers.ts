/**
 * Who reacts to an accepted business event inside the transaction that stores it: journeys register
 * here (module init), so a journey entry commits or rolls back together with its event.
 */
import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal.js';
import type { TxCtx } from '../workflow/runtime.service.js';

export interface BusinessEvent {
  id: string;
  name: string;
  customerObject: string;
  customerId: string;
  payload: Record<string, unknown>;
  postedBy: Principal;
  receivedAt: string;
}

/** Returns how many journeys the event made the customer enter. */
export type EventConsumer = (ctx: TxCtx, event: BusinessEvent) => Promise<number>;

@Injectable()
export class EventConsumers {
  private readonly consumers: EventConsumer[] = [];

  register(fn: EventConsumer): void {
    this.consumers.push(fn);
  }

  async consume(ctx: TxCtx, event: BusinessEvent): Promise<number> {
    let n = 0;
    for (const c of this.consumers) n += await c(ctx, event);
    return n;
  }
}
