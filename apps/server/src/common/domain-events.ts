/**
 * In-process domain events raised inside the transaction of the change. Handlers run in that same
 * transaction (they get its client), so a process started by a record trigger commits or rolls back
 * together with the record. Keep handlers short: they hold the writer's transaction open.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Principal } from '../auth/principal.js';
import { UnitOfWork } from '../database/unit-of-work.js';

export type DomainEvent =
  | { type: 'record.created'; object: string; recordId: string; record: Record<string, unknown>; by: Principal | null }
  | { type: 'record.updated'; object: string; recordId: string; record: Record<string, unknown>; previous: Record<string, unknown>; changed: string[]; by: Principal | null }
  | { type: 'record.deleted'; object: string; recordId: string; by: Principal | null }
  | { type: 'form.submitted'; formKey: string; formVersion: number; object: string; recordId: string; record: Record<string, unknown>; by: Principal | null };

export type DomainEventHandler = (event: DomainEvent, client: PoolClient) => Promise<void>;
/** Whether a handler would act on an event; handlers without one are always interested. */
export type DomainEventInterest = (event: DomainEvent) => boolean | Promise<boolean>;
/** A handler's way to take the events of one bulk write at once (e.g. one recompute for many records). */
export type DomainEventBatchHandler = (events: DomainEvent[], client: PoolClient) => Promise<void>;

@Injectable()
export class DomainEvents {
  private readonly handlers: { handle: DomainEventHandler; wants?: DomainEventInterest; batch?: DomainEventBatchHandler }[] = [];

  subscribe(handler: DomainEventHandler, wants?: DomainEventInterest, batch?: DomainEventBatchHandler): void {
    this.handlers.push({ handle: handler, wants, batch });
  }

  /**
   * Whether any handler would act on these events. A writer with no interested handler may skip the
   * explicit transaction and write in a single statement.
   */
  async interested(events: DomainEvent[]): Promise<boolean> {
    for (const h of this.handlers) {
      if (!h.wants) return true;
      for (const e of events) if (await h.wants(e)) return true;
    }
    return false;
  }

  async emit(event: DomainEvent, client: PoolClient): Promise<void> {
    for (const h of this.handlers) {
      if (h.wants && !(await h.wants(event))) continue;
      // Handlers also get the writer's transaction as their unit of work: whatever they call joins it.
      await UnitOfWork.run(client, () => h.handle(event, client));
    }
  }

  /**
   * The events of one bulk write (many records in one statement), in the writer's transaction: each
   * handler gets the events it wants — all at once when it has a batch handler, else one by one.
   */
  async emitMany(events: DomainEvent[], client: PoolClient): Promise<void> {
    if (!events.length) return;
    for (const h of this.handlers) {
      const mine: DomainEvent[] = [];
      for (const e of events) if (!h.wants || (await h.wants(e))) mine.push(e);
      if (!mine.length) continue;
      await UnitOfWork.run(client, async () => {
        if (h.batch) await h.batch(mine, client);
        else for (const e of mine) await h.handle(e, client);
      });
    }
  }

  /**
   * A bulk write that delivers its events in two steps: the handlers taking a batch now, in the writer's
   * transaction (e.g. the rule tags, one recompute); answers the events the one-by-one handlers want
   * (process triggers, webhooks, journeys), for the writer to hand to `emitToSingles` later — in a
   * follow-up job that it enqueues in the same transaction, so they are delivered exactly when the
   * write commits, without holding the write's batch open for a process start per record.
   */
  async emitToBatches(events: DomainEvent[], client: PoolClient): Promise<DomainEvent[]> {
    if (!events.length) return [];
    const later = new Set<DomainEvent>();
    for (const h of this.handlers) {
      const mine: DomainEvent[] = [];
      for (const e of events) if (!h.wants || (await h.wants(e))) mine.push(e);
      if (!mine.length) continue;
      if (h.batch) await UnitOfWork.run(client, () => h.batch!(mine, client));
      else for (const e of mine) later.add(e);
    }
    return events.filter((e) => later.has(e));
  }

  /** The second step of `emitToBatches`: the events to the one-by-one handlers that want them. */
  async emitToSingles(events: DomainEvent[], client: PoolClient): Promise<void> {
    for (const h of this.handlers) {
      if (h.batch) continue;
      for (const e of events) {
        if (h.wants && !(await h.wants(e))) continue;
        await UnitOfWork.run(client, () => h.handle(e, client));
      }
    }
  }
}
