/**
 * Next-best-action for a customer: up to three suggestions, each with the reason a customer manager
 * can say out loud — a retention call when the customer carries the churn rule tag (流失高风险), the product category most often
 * held next by customers holding what this one holds (co-occurrence over the whole bank, counts only),
 * and a KYC or marketing-consent renewal when due. Everything about the customer is read as the caller
 * may see it (a section they may not read simply yields no suggestion). Accepting plans an interaction
 * for the customer manager; accepting or dismissing is kept as a `next_action` record, so acceptance
 * rates are an ordinary report; a decided suggestion is not offered again for DECIDED_DAYS.
 */
import { Injectable } from '@nestjs/common';
import type { NextAction, NextActionDecision, RecordData } from '@crm/shared';
import { Db } from '../../../database/db.js';
import { AppError } from '../../../common/app-error.js';
import { registerMessages, type Lang } from '../../../common/i18n.js';
import type { Principal } from '../../../auth/principal.js';
import { AccessService } from '../../../access/access.service.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { RecordsService } from '../../../records/records.service.js';
import { systemPairCounts, systemRead } from '../../../records/system-reads.js';
import { packConfig } from './bank-pack.js';
import { customerOrFail } from './customer-reads.js';

registerMessages({
  'next_actions.not_found': { 'zh-CN': '该建议不存在或已处理', en: 'No such suggestion, or it was already decided' },
});

const DECISIONS = 'next_action';
export const DECIDED_DAYS = 30;
/**
 * A retention call is suggested for a customer carrying the pack's churn rule tag: the threshold lives
 * in that tag's rule (one place, editable by the bank), not here. Its score is the model's probability.
 */
export const CHURN_TAG = 'churn_risk';
const CHURN_FIELD = 'churn_score';
const KYC_WINDOW_DAYS = 30;
/** Co-occurrence needs this many customers holding the category before it says anything. */
const MIN_SUPPORT = 5;

type Lbl = string | { 'zh-CN'?: string; en?: string } | undefined;
const text = (l: Lbl, lang: Lang, fallback: string) => (typeof l === 'string' ? l : (l?.[lang] ?? l?.['zh-CN'] ?? fallback));
const pct = (x: number) => `${Math.round(x * 100)}%`;

@Injectable()
export class NextActionsService {
  private pairs: { at: number; counts: Map<string, Map<string, number>> } | null = null;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly access: AccessService,
  ) {}

  /** The readable records of `object` matching `filter`, or none when the caller may not read it. */
  private async readable(object: string, filter: Record<string, unknown>, p: Principal, limit = 200): Promise<RecordData[]> {
    if (!(await this.meta.current()).objects.has(object)) return [];
    if (!(await this.access.forObject(p, object)).can('read')) return [];
    return (await this.records.query(object, { filter, limit }, p)).items;
  }

  /** Customers holding each category pair (refreshed at most every ten minutes: it is bank-wide and slow-moving). */
  private async pairCounts(): Promise<Map<string, Map<string, number>>> {
    if (this.pairs && Date.now() - this.pairs.at < 600_000) return this.pairs.counts;
    const h = packConfig().holding;
    const rows = await systemPairCounts(this.db.q, systemRead('next-best-action co-occurrence'), h.object, h.customer, h.category, { column: h.status, value: 'closed' });
    const counts = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const m = counts.get(r.a) ?? new Map<string, number>();
      m.set(r.b, r.n);
      counts.set(r.a, m);
    }
    this.pairs = { at: Date.now(), counts };
    return counts;
  }

  async suggestions(customerId: string, p: Principal, lang: Lang): Promise<NextAction[]> {
    const cfg = packConfig();
    const customer = await customerOrFail(this.records, customerId, p);
    const out: NextAction[] = [];
    const model = await this.meta.current();

    // 1. Churn: the customer carries the churn rule tag; the reason quotes the model's score when the
    // caller may read it in clear (a masked or hidden score is not a number here and is left out).
    const ruleTags = customer[cfg.tags.ruleField];
    if (Array.isArray(ruleTags) && ruleTags.includes(CHURN_TAG)) {
      const raw = customer[CHURN_FIELD];
      const score = typeof raw === 'string' && /^\d+(\.\d+)?$/.test(raw) ? Math.min(1, Number(raw)) : null;
      out.push({
        id: 'retention_call.churn', kind: 'retention_call', title: lang === 'en' ? 'Retention call' : '客户挽留回访',
        reason: score === null ? (lang === 'en' ? 'Flagged as a high churn risk' : '已标记为流失高风险') : (lang === 'en' ? `Churn risk ${pct(score)}` : `流失风险评分 ${pct(score)}`),
        score: score ?? 0.8,
      });
    }

    // 2. KYC renewal when overdue or due within the window.
    const next = customer.kyc_next_review;
    if (typeof next === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(next)) {
      const days = Math.floor((Date.parse(`${next}T00:00:00Z`) - Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`)) / 86_400_000);
      if (days <= KYC_WINDOW_DAYS) {
        out.push({
          id: 'kyc_renewal.review', kind: 'kyc_renewal', title: lang === 'en' ? 'Renew KYC' : '更新客户尽职调查',
          reason: days < 0 ? (lang === 'en' ? `KYC review overdue by ${-days} days` : `KYC 复核已逾期 ${-days} 天`) : (lang === 'en' ? `KYC review due in ${days} days` : `KYC 将于 ${days} 天后到期`),
          score: days < 0 ? 0.9 : 0.7,
        });
      }
    }

    // 3. Marketing consent: none in force (only when the caller may read the consent ledger).
    if ((await this.access.forObject(p, cfg.consent.object).catch(() => null))?.can('read')) {
      const consents = await this.readable(cfg.consent.object, { [cfg.consent.customer]: customerId, purpose: 'marketing' }, p, 50);
      if (!consents.some((c) => c.withdrawn !== true)) {
        out.push({ id: 'consent_renewal.marketing', kind: 'consent_renewal', title: lang === 'en' ? 'Ask for marketing consent' : '征求营销授权', reason: consents.length ? (lang === 'en' ? 'Marketing consent was withdrawn' : '营销授权已撤回') : (lang === 'en' ? 'No marketing consent on file' : '尚无营销授权'), score: 0.5 });
      }
    }

    // 4. Product offer: the category most often held by customers who hold what this one holds.
    const h = cfg.holding;
    const holdings = await this.readable(h.object, { [h.customer]: customerId }, p);
    const held = new Set(holdings.filter((x) => x[h.status] !== 'closed').map((x) => String(x[h.category] ?? '')).filter(Boolean));
    if (held.size) {
      const counts = await this.pairCounts();
      let best: { cat: string; via: string; p: number } | null = null;
      for (const a of held) {
        const row = counts.get(a);
        const base = row?.get(a) ?? 0;
        if (!row || base < MIN_SUPPORT) continue;
        for (const [b, n] of row) {
          if (held.has(b)) continue;
          const prob = n / base;
          if (!best || prob > best.p || (prob === best.p && b < best.cat)) best = { cat: b, via: a, p: prob };
        }
      }
      if (best && best.p > 0) {
        const choices = (model.objects.get(h.object)?.byKey.get(h.category)?.options as { choices?: { value: string; label?: Lbl }[] } | undefined)?.choices ?? [];
        const name = (v: string) => text(choices.find((c) => c.value === v)?.label, lang, v);
        out.push({
          id: `product_offer.${best.cat.replace(/[^a-z0-9_]/g, '_')}`, kind: 'product_offer',
          title: lang === 'en' ? `Offer ${name(best.cat)}` : `推荐${name(best.cat)}`,
          reason: lang === 'en' ? `${pct(best.p)} of customers holding ${name(best.via)} also hold ${name(best.cat)}` : `持有${name(best.via)}的客户中 ${pct(best.p)} 也持有${name(best.cat)}`,
          score: Math.round(best.p * 10000) / 10000,
        });
      }
    }

    // Suggestions decided lately are not offered again.
    const since = new Date(Date.now() - DECIDED_DAYS * 86_400_000).toISOString();
    const decided = new Set((await this.readable(DECISIONS, { customer: customerId, created_at: { $gte: since } }, p)).map((d) => String(d.suggestion)));
    return out.filter((a) => !decided.has(a.id)).sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, 3);
  }

  async decide(customerId: string, actionId: string, decision: { status: 'accepted' } | { status: 'dismissed'; reason: string }, p: Principal, lang: Lang): Promise<NextActionDecision> {
    const action = (await this.suggestions(customerId, p, lang)).find((a) => a.id === actionId);
    if (!action) throw new AppError(404, 'next_actions.not_found');
    const cfg = packConfig();
    return this.db.tx(async () => {
      let interactionId: string | undefined;
      if (decision.status === 'accepted') {
        // The follow-up for the customer manager: a planned contact (the caller's own write rights apply).
        const kind = action.kind === 'product_offer' || action.kind === 'retention_call' ? 'call' : 'visit';
        const planned = await this.records.create(cfg.interaction.object, {
          [cfg.interaction.customer]: customerId, kind, subject: action.title, content: action.reason, [cfg.interaction.at]: new Date().toISOString(),
        }, p, { lang });
        interactionId = String(planned.id);
      }
      const kept = await this.records.create(DECISIONS, {
        customer: customerId, suggestion: action.id, kind: action.kind, title: action.title, reason: action.reason, score: action.score.toFixed(4),
        status: decision.status, ...(decision.status === 'dismissed' ? { dismiss_reason: decision.reason } : {}),
      }, p, { lang });
      return { action, status: decision.status, decisionId: String(kept.id), ...(interactionId ? { interactionId } : {}) };
    });
  }
}
