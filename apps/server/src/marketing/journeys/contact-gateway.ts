/**
 * Every journey contact (a message, a customer manager's contact task) goes through the platform's
 * contact gates (../contact-gates.ts, shared with campaigns: consent for marketing on the channel,
 * do-not-disturb, quiet hours, frequency caps across campaigns and journeys), in the transaction that
 * makes the contact: admitted contacts are counted in the gates' ledger, messages queued in the
 * marketing outbox, and the outcome — sent, or skipped with the gate's reason — is recorded in
 * crm.journey_contacts once per service job (a retried step finds its first outcome and contacts
 * nobody twice).
 */
import { Injectable } from '@nestjs/common';
import type { Queryable } from '../../database/db.js';
import { ContactGates } from '../contact-gates.js';
import { MarketingOutbox } from '../marketing-outbox.js';

export interface ContactRequest {
  journeyKey: string;
  instanceId: string;
  activityId: string;
  jobId: string;
  customerId: string;
  /** sms | wecom | push | task */
  channel: string;
  /** The message text (messages), or the task's subject. */
  content: string | null;
}

export interface ContactOutcome {
  allowed: boolean;
  /** Why not: no_consent, consent_withdrawn, do_not_disturb, quiet_hours, frequency_cap, no_manager, … */
  reason: string | null;
  /** The outcome was recorded by an earlier attempt of the same step. */
  repeated: boolean;
}

@Injectable()
export class ContactGateway {
  constructor(
    private readonly gates: ContactGates,
    private readonly outbox: MarketingOutbox,
  ) {}

  /** Run in the transaction that makes the contact (`c`). */
  async contact(c: Queryable, req: ContactRequest): Promise<ContactOutcome> {
    const { rows } = await c.query(
      `INSERT INTO crm.journey_contacts (journey_key, instance_id, customer_id, activity_id, job_id, channel, status, content)
       VALUES ($1, $2, $3, $4, $5, $6, 'skipped', $7) ON CONFLICT (job_id) DO NOTHING RETURNING id`,
      [req.journeyKey, req.instanceId, req.customerId, req.activityId, req.jobId, req.channel, req.content],
    );
    if (!rows.length) {
      const { rows: before } = await c.query<{ status: string; reason: string | null }>('SELECT status, reason FROM crm.journey_contacts WHERE job_id = $1', [req.jobId]);
      return { allowed: before[0]?.status === 'sent', reason: before[0]?.reason ?? null, repeated: true };
    }
    const source = { kind: 'journey' as const, id: req.journeyKey };
    const verdict = (await this.gates.admit(c, [req.customerId], req.channel, source)).get(req.customerId);
    const allowed = verdict?.allowed === true;
    const reason = verdict && !verdict.allowed ? verdict.reason : allowed ? null : 'refused';
    if (allowed && req.channel !== 'task') await this.outbox.queue(c, source, [{ customerId: req.customerId, channel: req.channel, body: req.content ?? '' }]);
    await c.query('UPDATE crm.journey_contacts SET status = $2, reason = $3 WHERE job_id = $1', [req.jobId, allowed ? 'sent' : 'skipped', reason]);
    return { allowed, reason, repeated: false };
  }

  /** A contact the journey itself could not make (e.g. the customer has no manager), recorded as skipped. */
  async skip(c: Queryable, req: ContactRequest, reason: string): Promise<void> {
    await c.query(
      `INSERT INTO crm.journey_contacts (journey_key, instance_id, customer_id, activity_id, job_id, channel, status, reason, content)
       VALUES ($1, $2, $3, $4, $5, $6, 'skipped', $7, $8) ON CONFLICT (job_id) DO UPDATE SET status = 'skipped', reason = EXCLUDED.reason`,
      [req.journeyKey, req.instanceId, req.customerId, req.activityId, req.jobId, req.channel, reason, req.content],
    );
  }
}
