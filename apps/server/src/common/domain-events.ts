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

@Injectable()
export class DomainEvents {
  private readonly handlers: { handle: DomainEventHandler; wants?: DomainEventInterest }[] = [];

  subscribe(handler: DomainEventHandler, wants?: DomainEventInterest): void {
    this.handlers.push({ handle: handler, wants });
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
}
