/**
 * In-process domain events raised inside the transaction of the change. Handlers run in that same
 * transaction (they get its client), so a process started by a record trigger commits or rolls back
 * together with the record. Keep handlers short: they hold the writer's transaction open.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { Principal } from '../auth/principal.js';

export type DomainEvent =
  | { type: 'record.created'; object: string; recordId: string; record: Record<string, unknown>; by: Principal | null }
  | { type: 'record.updated'; object: string; recordId: string; record: Record<string, unknown>; previous: Record<string, unknown>; changed: string[]; by: Principal | null }
  | { type: 'record.deleted'; object: string; recordId: string; by: Principal | null }
  | { type: 'form.submitted'; formKey: string; formVersion: number; object: string; recordId: string; record: Record<string, unknown>; by: Principal | null };

export type DomainEventHandler = (event: DomainEvent, client: PoolClient) => Promise<void>;

@Injectable()
export class DomainEvents {
  private readonly handlers: DomainEventHandler[] = [];

  subscribe(handler: DomainEventHandler): void {
    this.handlers.push(handler);
  }

  async emit(event: DomainEvent, client: PoolClient): Promise<void> {
    for (const h of this.handlers) await h(event, client);
  }
}
