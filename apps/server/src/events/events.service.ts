/**
 * Business events in: a channel or core system (an API key whose role holds `events.post`) posts
 * `{ name, customerId | customerKey, payload? }`. The customer must be one the caller may read (the
 * scoped reader: a branch's system cannot name another branch's customer). The event is stored, the
 * journeys it starts are entered and waiting message catches named like the event with the customer
 * id as correlation key are moved — all in one transaction. `Idempotency-Key` (per caller) is kept
 * with the event: a repeat answers the stored event and enters nothing twice.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { BusinessEventInput, EventAccepted } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { WorkflowRuntime, type EventGuard } from '../workflow/runtime.service.js';
import { RequestVariables } from '../workflow/request-variables.js';
import { EventConsumers } from './event-consumers.js';
import './events.messages.js';

/** The customer object events name, and its business key field (`customerKey`). */
export const CUSTOMER_OBJECT = 'customer';
export const CUSTOMER_KEY_FIELD = 'customer_no';

interface EventRow {
  id: string;
  journeys_entered: number;
  correlated: number;
}

@Injectable()
export class EventsService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly reader: ScopedReader,
    private readonly runtime: WorkflowRuntime,
    private readonly inputs: RequestVariables,
    private readonly consumers: EventConsumers,
    private readonly audit: AuditService,
  ) {}

  /** The customer's id, when the caller may read that customer; 404 otherwise (never saying which). */
  private async customer(p: Principal, body: { customerId?: string; customerKey?: string }): Promise<string> {
    const o = (await this.meta.current()).objects.get(CUSTOMER_OBJECT);
    if (!o) throw new AppError(400, 'events.no_customer_object', { object: CUSTOMER_OBJECT });
    if (body.customerId !== undefined) {
      if (!(await this.reader.mayRead(p, CUSTOMER_OBJECT, body.customerId))) throw new AppError(404, 'events.customer_not_found');
      return body.customerId;
    }
    if (!o.byKey.has(CUSTOMER_KEY_FIELD)) throw new AppError(400, 'events.no_customer_object', { object: `${CUSTOMER_OBJECT}.${CUSTOMER_KEY_FIELD}` });
    let page;
    try {
      page = await this.reader.query(CUSTOMER_OBJECT, { filter: { [CUSTOMER_KEY_FIELD]: body.customerKey }, limit: 2, fields: [CUSTOMER_KEY_FIELD] }, p);
    } catch (err) {
      // No read right on customers (or on the key field): the same answer as an unknown key.
      if (err instanceof AppError && (err.status === 403 || err.status === 400)) throw new AppError(404, 'events.customer_not_found');
      throw err;
    }
    if (page.items.length > 1) throw new AppError(409, 'events.ambiguous_customer_key', { key: body.customerKey });
    const id = page.items[0]?.id;
    if (typeof id !== 'string') throw new AppError(404, 'events.customer_not_found');
    return id;
  }

  async post(p: Principal, body: BusinessEventInput, idempotencyKey: string | null): Promise<EventAccepted> {
    if (idempotencyKey) {
      const known = await this.stored(p.id, idempotencyKey);
      if (known) return answer(known);
    }
    const customerId = await this.customer(p, body);
    const payload = body.payload ?? {};
    // Payload names reach a waiting process as variables: never an identity the engine sets.
    this.inputs.assertNotReserved(payload);
    const guard: EventGuard = {
      // The customer is the caller's to name; the instance waits for exactly this customer.
      reach: async () => true,
      accept: (model, elementId, variables) => this.inputs.assertDeclared(model, model.elements[elementId], variables),
    };
    const id = randomUUID();
    try {
      return await this.runtime.tx(async (ctx) => {
        const { rows } = await ctx.client.query<{ received_at: Date }>(
          `INSERT INTO crm.business_events (id, name, customer_id, customer_key, payload, posted_by, idempotency_key, received_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING received_at`,
          [id, body.name, customerId, body.customerKey ?? null, JSON.stringify(payload), p.id, idempotencyKey, ctx.now],
        );
        const receivedAt = rows[0]!.received_at.toISOString();
        const entered = await this.consumers.consume(ctx, { id, name: body.name, customerObject: CUSTOMER_OBJECT, customerId, payload, postedBy: p, receivedAt });
        const correlated = await this.runtime.correlateMessage(ctx, body.name, customerId, Object.keys(payload).length ? payload : undefined, p.username, guard);
        await ctx.client.query('UPDATE crm.business_events SET journeys_entered = $2, correlated = $3 WHERE id = $1', [id, entered, correlated]);
        await this.audit.record({ action: 'event.received', object: CUSTOMER_OBJECT, recordId: customerId, data: { event: body.name, id, journeysEntered: entered, correlated } });
        return answer({ id, journeys_entered: entered, correlated });
      }, undefined, { id: p.id, username: p.username });
    } catch (err) {
      // Two requests with one key at once: the second finds the first's event.
      if ((err as { code?: string }).code === '23505' && idempotencyKey) {
        const known = await this.stored(p.id, idempotencyKey);
        if (known) return answer(known);
      }
      throw err;
    }
  }

  private stored(postedBy: string, key: string): Promise<EventRow | undefined> {
    return this.db.one<EventRow>('SELECT id, journeys_entered, correlated FROM crm.business_events WHERE posted_by = $1 AND idempotency_key = $2', [postedBy, key]);
  }
}

function answer(r: EventRow): EventAccepted {
  return { accepted: true, id: r.id, journeysEntered: r.journeys_entered, correlated: r.correlated };
}
