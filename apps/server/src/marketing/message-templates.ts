/**
 * Message templates with variables: `{{客户姓名}}`, `{{offer}}`, `{{city}}`… A variable names a
 * customer field the sender may read (by its key or its Chinese or English label, plus the alias
 * 客户姓名 for the name), the campaign's offer (`offer` / 产品名称 / 推广产品: the offered product's name)
 * or the campaign itself (`campaign` / 活动名称). Checked when the campaign is planned or changed and
 * again at launch (a variable the planner may not read, or no such field, is 400
 * `marketing.unknown_template_variable`), and rendered per member at send time from what the sending
 * role — the planner — may read: masked fields come out masked, a field turned hidden since is empty.
 */
import { Injectable } from '@nestjs/common';
import { pickText, type FieldDef } from '@crm/form-engine';
import type { MessagePreview } from '@crm/shared';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { Db, type Queryable } from '../database/db.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { systemRead, systemRecordsByKey } from '../records/system-reads.js';

const CUSTOMER = 'customer';
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const OFFER_NAMES = ['offer', '产品名称', '推广产品'];
const CAMPAIGN_NAMES = ['campaign', '活动名称'];
const NAME_ALIASES = ['客户姓名', '姓名'];

/** What a variable stands for. */
type Binding = { kind: 'field'; field: FieldDef } | { kind: 'offer' } | { kind: 'campaign' };

/** The variables a template names, in order of first use. */
export function templateVariables(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((m) => m[1]!))];
}

export interface TemplateContext {
  campaignName: string;
  offerName: string;
}

@Injectable()
export class MessageTemplates {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
  ) {}

  /** Every variable name `p` may use, with what it means. */
  private async bindings(p: Principal): Promise<{ o: ObjectMeta | null; acc: ObjectAccess | null; names: Map<string, Binding> }> {
    const names = new Map<string, Binding>();
    for (const n of OFFER_NAMES) names.set(n, { kind: 'offer' });
    for (const n of CAMPAIGN_NAMES) names.set(n, { kind: 'campaign' });
    if (!(await this.meta.current()).objects.has(CUSTOMER)) return { o: null, acc: null, names };
    const o = await this.meta.object(CUSTOMER);
    const acc = await this.access.forObject(p, CUSTOMER);
    if (!acc.can('read')) return { o, acc, names };
    for (const f of o.fields) {
      if (acc.fieldMode(f.key) === 'none') continue;
      for (const n of [f.key, pickText(f.label, 'zh-CN'), pickText(f.label, 'en')]) if (n && !names.has(n)) names.set(n, { kind: 'field', field: f });
      if (f.key === 'name') for (const n of NAME_ALIASES) names.set(n, { kind: 'field', field: f });
    }
    return { o, acc, names };
  }

  /** The variables a planner may use (for the designer's hint): one name per meaning, Chinese first. */
  async variables(p: Principal): Promise<{ name: string; label: string }[]> {
    const { names } = await this.bindings(p);
    const out: { name: string; label: string }[] = [{ name: '客户姓名', label: '客户姓名 / customer name' }, { name: 'offer', label: '推广产品名称 / offered product' }, { name: 'campaign', label: '活动名称 / campaign name' }];
    // The hint offers the plain fields; sensitive ones stay usable (rendered masked) but are not suggested.
    for (const [n, b] of names) if (b.kind === 'field' && n === pickText(b.field.label, 'zh-CN') && b.field.key !== 'name' && !(b.field.sensitivity && b.field.sensitivity >= 2)) out.push({ name: n, label: `${n} / ${b.field.key}` });
    return out.filter((v) => names.has(v.name));
  }

  /** 400 `marketing.unknown_template_variable` for the first variable of any template `p` may not use. */
  async check(p: Principal, templates: Partial<Record<string, string>> | undefined): Promise<void> {
    const entries = Object.entries(templates ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (!entries.some(([, t]) => templateVariables(t).length)) return;
    const { names } = await this.bindings(p);
    for (const [channel, text] of entries) {
      const unknown = templateVariables(text).find((v) => !names.has(v));
      if (unknown !== undefined) {
        throw new AppError(400, 'marketing.unknown_template_variable', { variable: unknown, channel }, [{ path: `/messages/${channel}`, code: 'unknown_variable', message: `unknown variable {{${unknown}}}` }]);
      }
    }
  }

  /** The offered product's name (a system read: product names are not personal). */
  async offerName(offerProduct: string | undefined): Promise<string> {
    if (!offerProduct || !(await this.meta.current()).objects.has('product')) return '';
    const [hit] = await systemRecordsByKey(this.db.q, systemRead('message templates: the offered product’s name'), 'product', 'id', 'uuid', offerProduct);
    if (!hit) return '';
    const row = await this.reader.stored('product', hit.id, systemRead('message templates: the offered product’s name'));
    return typeof row?.name === 'string' ? row.name : '';
  }

  /**
   * Renders templates (per channel) for a batch of customers as `sender` may see them: one statement
   * for the batch (the customers' rows read by a named system read, then shown through the sender's
   * field modes — masked values stay masked). Customer → channel → text.
   */
  async renderBatch(q: Queryable, sender: Principal, templates: Partial<Record<string, string>>, customerIds: string[], ctx: TemplateContext): Promise<Map<string, Map<string, string>>> {
    const out = new Map<string, Map<string, string>>();
    const used = Object.entries(templates).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (!used.length || !customerIds.length) return out;
    const { o, acc, names } = await this.bindings(sender);
    const needsRows = used.some(([, t]) => templateVariables(t).some((v) => names.get(v)?.kind === 'field'));
    const views = new Map<string, Record<string, unknown>>();
    if (needsRows && o && acc) {
      const params: unknown[] = [customerIds];
      const src = await this.reader.source(CUSTOMER, systemRead('message templates: the members’ fields the sender may read, shown through their field modes'), 'read', params);
      const { rows } = await q.query<Record<string, unknown>>(`SELECT t.* FROM ${src.sql} WHERE t.id = ANY($1::uuid[])`, params);
      for (const row of rows) views.set(String(row.id), this.reader.view(o, acc, row).view);
    }
    for (const id of customerIds) {
      const rec = views.get(id) ?? {};
      out.set(id, new Map(used.map(([ch, t]) => [ch, fill(t, names, rec, ctx)])));
    }
    return out;
  }

  /**
   * One message for one customer as `sender` may see them (a journey's message step: the same
   * variables and rendering as a campaign's). 400 `marketing.unknown_template_variable` for a variable
   * the sender may not use.
   */
  async renderOne(q: Queryable, sender: Principal, template: string, customerId: string, ctx: TemplateContext): Promise<string> {
    await this.check(sender, { message: template });
    return (await this.renderBatch(q, sender, { message: template }, [customerId], ctx)).get(customerId)?.get('message') ?? '';
  }

  /**
   * A preview for the designer: the template rendered for one customer the caller may read (the one
   * named, else the first), as the caller — who would be the sender — sees them.
   */
  async preview(p: Principal, b: { template: string; offerProduct?: string; campaignName?: string; customerId?: string }): Promise<MessagePreview> {
    await this.check(p, { message: b.template });
    let customerId: string | null = null;
    if ((await this.meta.current()).objects.has(CUSTOMER) && (await this.access.forObject(p, CUSTOMER)).can('read')) {
      if (b.customerId) {
        await this.reader.get(CUSTOMER, b.customerId, p);
        customerId = b.customerId;
      } else {
        const page = await this.reader.query(CUSTOMER, { sort: 'id', limit: 1, fields: [] }, p);
        customerId = page.items[0] ? String(page.items[0].id) : null;
      }
    } else if (b.customerId) throw new AppError(404, 'records.not_found');
    const ctx = { campaignName: b.campaignName ?? '', offerName: await this.offerName(b.offerProduct) };
    const rendered = customerId ? await this.renderBatch(this.db.q, p, { message: b.template }, [customerId], ctx) : null;
    const { names } = await this.bindings(p);
    return { text: rendered?.get(customerId!)?.get('message') ?? fill(b.template, names, {}, ctx), customerId, variables: templateVariables(b.template) };
  }
}

function fill(text: string, names: Map<string, Binding>, rec: Record<string, unknown>, ctx: TemplateContext): string {
  return text.replace(VARIABLE, (_m, name: string) => {
    const b = names.get(name);
    if (!b) return '';
    if (b.kind === 'offer') return ctx.offerName;
    if (b.kind === 'campaign') return ctx.campaignName;
    return display(b.field, rec[b.field.key]);
  });
}

/** A field value as message text: a choice by its Chinese label, lists joined, nothing for empty. */
function display(f: FieldDef, v: unknown): string {
  if (v === null || v === undefined) return '';
  const label = (x: unknown) => {
    const c = f.options?.choices?.find((ch) => ch.value === x);
    return c ? pickText(c.label, 'zh-CN') : String(x);
  };
  if (Array.isArray(v)) return v.map(label).join('、');
  if (typeof v === 'object') return '';
  return label(v);
}
