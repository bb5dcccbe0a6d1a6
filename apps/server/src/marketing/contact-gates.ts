/**
 * The contact gates: the one place that decides whether a customer may be contacted for marketing
 * on a channel now — for campaigns and journeys alike, so no designer can skip them.
 *
 *   const verdicts = await gates.admit(client, customerIds, 'sms', { kind: 'campaign', id });
 *   // verdicts.get(id) → { allowed: true } | { allowed: false, reason: 'no_consent' | … }
 *
 * - `check(q, ids, channel, now?)` answers, for a batch, allowed or the first exclusion reason, in a
 *   constant number of statements (settings, consent ledger, do-not-disturb + caps) whatever the
 *   batch size. Reasons, in this order: `consent_withdrawn` / `no_consent` (the consent ledger:
 *   a live, not withdrawn consent with purpose `marketing` — the bank pack's object `consent`, read
 *   by a named system read; without such an object nobody may be contacted), `do_not_disturb`,
 *   `quiet_hours` (messages only; a call task is worked by the customer manager later),
 *   `frequency_cap` (every configured rolling window, per channel and overall, counting the contacts
 *   ledger of every campaign and journey).
 * - `record(q, contacts, source, now?)` writes contacts to the ledger, in the caller's transaction.
 * - `admit(q, ids, channel, source, now?)` = check + record of the allowed ones, counting repeats
 *   inside the batch against the caps too. Run it in the transaction that creates the contact.
 *
 * Time comes from the injectable MARKETING_CLOCK (or the `now` argument).
 */
import { Inject, Injectable } from '@nestjs/common';
import { EXCLUSION_REASONS, type ExclusionReason, type MarketingSettings } from '@crm/shared';
import type { Queryable } from '../database/db.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { systemConsentStates, systemRead, type ConsentLedger } from '../records/system-reads.js';

export const MARKETING_CLOCK = Symbol('MARKETING_CLOCK');
export type MarketingClock = () => Date;
export const systemMarketingClock: MarketingClock = () => new Date();

export { EXCLUSION_REASONS, type ExclusionReason };
export type GateVerdict = { allowed: true } | { allowed: false; reason: ExclusionReason };
/** Who makes the contact: a campaign or a journey (its id). */
export interface ContactSource {
  kind: 'campaign' | 'journey';
  id: string;
}

/** The defaults until an administrator saves settings: at most 3 marketing contacts per customer in any 7 days, no quiet hours. */
export const DEFAULT_SETTINGS: MarketingSettings = { caps: [{ max: 3, days: 7 }] };

/** The consent ledger the gates read: the bank pack's `consent` object. */
export const CONSENT_LEDGER: ConsentLedger = { object: 'consent', customer: 'customer', purpose: 'purpose', purposeValue: 'marketing', withdrawn: 'withdrawn', consentedAt: 'consented_at' };

/** Whether `now` falls inside the quiet hours (local time of their zone; a window may span midnight; from = to is empty). */
export function inQuietHours(now: Date, qh: MarketingSettings['quietHours']): boolean {
  if (!qh || qh.from === qh.to) return false;
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: qh.timeZone ?? 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const hh = parts.find((p) => p.type === 'hour')?.value ?? '00';
  const mm = parts.find((p) => p.type === 'minute')?.value ?? '00';
  const t = `${hh}:${mm}`;
  return qh.from < qh.to ? t >= qh.from && t < qh.to : t >= qh.from || t < qh.to;
}

/** Channels whose contact happens at once (a message) and so respects quiet hours. */
const MESSAGE_CHANNELS = new Set(['sms', 'wecom', 'push']);

@Injectable()
export class ContactGates {
  constructor(
    private readonly meta: MetadataService,
    @Inject(MARKETING_CLOCK) private readonly clock: MarketingClock,
  ) {}

  now(): Date {
    return this.clock();
  }

  async settings(q: Queryable): Promise<MarketingSettings> {
    const { rows } = await q.query<{ settings: MarketingSettings }>('SELECT settings FROM crm.marketing_settings WHERE id = 1');
    return rows[0]?.settings ?? DEFAULT_SETTINGS;
  }

  /** Whether the consent ledger exists with the fields the gates read. */
  private async ledger(): Promise<ConsentLedger | null> {
    const o = (await this.meta.current()).objects.get(CONSENT_LEDGER.object);
    if (!o) return null;
    const keys = new Set(o.fields.map((f) => f.key));
    return [CONSENT_LEDGER.customer, CONSENT_LEDGER.purpose, CONSENT_LEDGER.withdrawn, CONSENT_LEDGER.consentedAt].every((k) => keys.has(k)) ? CONSENT_LEDGER : null;
  }

  /** Allowed or the exclusion reason, for each (distinct) customer of the batch. */
  async check(q: Queryable, customerIds: string[], channel: string, now: Date = this.clock()): Promise<Map<string, GateVerdict>> {
    return (await this.evaluate(q, customerIds, channel, now)).verdicts;
  }

  private async evaluate(q: Queryable, customerIds: string[], channel: string, now: Date): Promise<{ verdicts: Map<string, GateVerdict>; caps: MarketingSettings['caps']; used: Map<string, number[]> }> {
    const ids = [...new Set(customerIds)];
    const verdicts = new Map<string, GateVerdict>();
    const settings = await this.settings(q);
    const caps = settings.caps.filter((c) => !c.channel || c.channel === channel);
    const used = new Map<string, number[]>();
    if (!ids.length) return { verdicts, caps, used };
    const ledger = await this.ledger();
    const consent = ledger ? await systemConsentStates(q, systemRead('marketing contact gates: consent of every customer to be contacted'), ledger, ids, now) : new Map<string, 'valid' | 'withdrawn'>();
    // Do-not-disturb and every cap's rolling-window count, for the whole batch in one statement.
    const { rows } = await q.query<{ id: string; dnd: boolean; used: number[] }>(
      `SELECT i.id::text AS id,
              EXISTS (SELECT 1 FROM crm.marketing_dnd d WHERE d.customer_id = i.id AND d.channel IN ('*', $2) AND (d.until IS NULL OR d.until > $3::timestamptz)) AS dnd,
              ARRAY(SELECT (SELECT count(*)::int FROM crm.marketing_contacts m
                             WHERE m.customer_id = i.id AND m.at > $3::timestamptz - make_interval(days => w.days) AND m.at <= $3::timestamptz
                               AND (w.channel = '' OR m.channel = w.channel))
                      FROM unnest($4::text[], $5::int[]) WITH ORDINALITY AS w(channel, days, n) ORDER BY w.n) AS used
         FROM unnest($1::uuid[]) AS i(id)`,
      [ids, channel, now, caps.map((c) => c.channel ?? ''), caps.map((c) => c.days)],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    const quiet = MESSAGE_CHANNELS.has(channel) && inQuietHours(now, settings.quietHours);
    for (const id of ids) {
      const c = consent.get(id);
      const r = byId.get(id);
      used.set(id, r?.used ?? caps.map(() => 0));
      if (c !== 'valid') verdicts.set(id, { allowed: false, reason: c === 'withdrawn' ? 'consent_withdrawn' : 'no_consent' });
      else if (r?.dnd) verdicts.set(id, { allowed: false, reason: 'do_not_disturb' });
      else if (quiet) verdicts.set(id, { allowed: false, reason: 'quiet_hours' });
      else if (caps.some((cap, i) => (r?.used[i] ?? 0) >= cap.max)) verdicts.set(id, { allowed: false, reason: 'frequency_cap' });
      else verdicts.set(id, { allowed: true });
    }
    return { verdicts, caps, used };
  }

  /** Writes contacts to the ledger (so the caps count them), in the caller's transaction: one statement. */
  async record(q: Queryable, contacts: { customerId: string; channel: string }[], source: ContactSource, now: Date = this.clock()): Promise<void> {
    if (!contacts.length) return;
    await q.query(
      `INSERT INTO crm.marketing_contacts (customer_id, channel, source_kind, source_id, at)
       SELECT c.customer_id, c.channel, $3, $4, $5::timestamptz FROM unnest($1::uuid[], $2::text[]) AS c(customer_id, channel)`,
      [contacts.map((c) => c.customerId), contacts.map((c) => c.channel), source.kind, source.id, now],
    );
  }

  /**
   * Checks a batch and records a contact for each allowed customer, in the caller's transaction. A
   * customer named twice in the batch is contacted twice only if the caps leave room for both.
   */
  async admit(q: Queryable, customerIds: string[], channel: string, source: ContactSource, now: Date = this.clock()): Promise<Map<string, GateVerdict>> {
    const { verdicts, caps, used } = await this.evaluate(q, customerIds, channel, now);
    const contacts: { customerId: string; channel: string }[] = [];
    const seen = new Map<string, number>();
    for (const id of customerIds) {
      if (!verdicts.get(id)?.allowed) continue;
      const extra = seen.get(id) ?? 0;
      const u = used.get(id) ?? [];
      if (caps.some((cap, i) => (u[i] ?? 0) + extra >= cap.max)) {
        if (extra === 0) verdicts.set(id, { allowed: false, reason: 'frequency_cap' });
        continue;
      }
      seen.set(id, extra + 1);
      contacts.push({ customerId: id, channel });
    }
    await this.record(q, contacts, source, now);
    return verdicts;
  }
}
