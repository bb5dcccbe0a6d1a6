/**
 * Campaign members as a report source (`campaign_member`): one row per member with its campaign,
 * customer (a relation: `customer.segment`, `customer.owner_id` …), group, status, exclusion reason,
 * first channel, response and conversion, plus 0/1 counters (targeted, excluded, contacted, responded,
 * converted, control, control_eligible, control_converted) whose sums are the campaign page's funnel,
 * and money columns whose sums are the cost and the value of conversions:
 *
 * - `cost_share`: the campaign's actual cost spread over its target members in whole fen (the first
 *   members by customer id carry the remainder), so the shares of all targets add up to the cost exactly;
 * - `conversion_value`: the campaign's value per conversion on a converted target member.
 *
 * Who sees which rows is the campaign page's rule: holders of `marketing.manage` every member, anyone
 * else the members whose customer lies in their read scope of the customer object (the scoped reader's
 * row scope, inside the statement). The owner and org unit are the member's (the customer's manager and
 * branch at launch).
 */
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { FieldDef, LocalizedText } from '@crm/form-engine';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { Db } from '../database/db.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { isSystemRead, ScopedReader, type SystemRead } from '../records/scoped-reader.js';
import { quoteIdent } from '../metadata/field-types.js';
import { readOnlyAccess, ReportSourceRegistry, type ReportSourceProvider } from '../analytics/report-source-registry.js';

export const CAMPAIGN_MEMBER_SOURCE = 'campaign_member';
const CUSTOMER = 'customer';

const tx = (zh: string, en: string): LocalizedText => ({ 'zh-CN': zh, en });
const choices = (list: [string, string, string][]) => ({ choices: list.map(([value, zh, en]) => ({ value, label: tx(zh, en) })) });
const counter = (key: string, zh: string, en: string): FieldDef => ({ key, label: tx(zh, en), type: 'integer' });

const FIELDS: FieldDef[] = [
  { key: 'campaign', label: tx('营销活动', 'Campaign'), type: 'select', options: { choices: [] } },
  { key: 'customer', label: tx('客户', 'Customer'), type: 'relation', target: CUSTOMER },
  { key: 'member_group', label: tx('分组', 'Group'), type: 'select', options: choices([['target', '目标组', 'Target'], ['control', '对照组', 'Control']]) },
  {
    key: 'status', label: tx('成员状态', 'Member status'), type: 'select',
    options: choices([['pending', '待处理', 'Pending'], ['planned', '计划中', 'Planned'], ['contacted', '已触达', 'Contacted'], ['responded', '已响应', 'Responded'], ['converted', '已转化', 'Converted'], ['excluded', '已排除', 'Excluded']]),
  },
  {
    key: 'reason', label: tx('排除原因', 'Exclusion reason'), type: 'select',
    options: choices([['no_consent', '无营销授权', 'No consent'], ['consent_withdrawn', '已撤回授权', 'Consent withdrawn'], ['do_not_disturb', '免打扰', 'Do not disturb'], ['quiet_hours', '免打扰时段', 'Quiet hours'], ['frequency_cap', '触达频次上限', 'Frequency cap']]),
  },
  { key: 'channel', label: tx('触达渠道', 'Channel'), type: 'select', options: choices([['task', '客户经理外呼', 'RM call'], ['sms', '短信', 'SMS'], ['wecom', '企业微信', 'WeCom'], ['push', 'App 推送', 'App push']]) },
  {
    key: 'response', label: tx('客户响应', 'Response'), type: 'select',
    options: choices([['interested', '有意向', 'Interested'], ['not_interested', '无意向', 'Not interested'], ['callback', '再联系', 'Call back'], ['delivered', '已送达', 'Delivered'], ['opened', '已打开', 'Opened'], ['clicked', '已点击', 'Clicked']]),
  },
  { key: 'responded_at', label: tx('响应时间', 'Responded at'), type: 'datetime' },
  { key: 'converted_at', label: tx('转化时间', 'Converted at'), type: 'datetime' },
  counter('targeted', '目标客户数', 'Targeted'),
  counter('excluded', '排除数', 'Excluded'),
  counter('contacted', '触达数', 'Contacted'),
  counter('responded', '响应数', 'Responded'),
  counter('converted', '转化数', 'Converted'),
  counter('control', '对照组人数', 'Control'),
  counter('control_eligible', '对照组可触达人数', 'Control eligible'),
  counter('control_converted', '对照组转化数', 'Control converted'),
  { key: 'cost_share', label: tx('分摊成本', 'Cost share'), type: 'money' },
  { key: 'conversion_value', label: tx('转化价值', 'Conversion value'), type: 'money' },
];

function objectOf(fields: FieldDef[]): ObjectMeta {
  return {
    key: CAMPAIGN_MEMBER_SOURCE, label: tx('营销活动成员', 'Campaign members'), description: null, app: null, icon: null, titleField: null, subjectField: null,
    fields, deletedFields: [], byKey: new Map(fields.map((f) => [f.key, f])), rules: [], defaultForms: {},
  };
}

const STATIC = objectOf(FIELDS);

/**
 * Every member with its columns. The cost share needs each target member's rank in its campaign and the
 * campaign's number of targets: two windows over the members alone, in the primary key's order
 * (campaign, customer), which an index scan delivers without a sort; the row scope is applied outside.
 */
const ROWS = `SELECT m.customer_id AS id, m.campaign_id::text AS campaign, m.customer_id AS customer, m.owner_id, m.org_unit_id,
    coalesce(m.joined_at, c.launched_at, c.created_at) AS created_at, m.updated_at, c.created_by, NULL::uuid AS updated_by, 1 AS version,
    m.grp AS member_group, m.status, m.reason, m.channels[1] AS channel, m.response, m.responded_at, m.converted_at,
    (m.grp = 'target')::int AS targeted, (m.grp = 'target' AND m.status = 'excluded')::int AS excluded,
    (m.grp = 'target' AND m.status IN ('contacted', 'responded', 'converted'))::int AS contacted,
    (m.grp = 'target' AND m.response IS NOT NULL)::int AS responded, (m.grp = 'target' AND m.status = 'converted')::int AS converted,
    (m.grp = 'control')::int AS control, (m.grp = 'control' AND m.status <> 'excluded')::int AS control_eligible,
    (m.grp = 'control' AND m.status = 'converted')::int AS control_converted,
    CASE WHEN m.grp = 'target' AND c.cost IS NOT NULL THEN
      (floor(c.cost * 100 / m.targets) + CASE WHEN m.target_rank <= c.cost * 100 - floor(c.cost * 100 / m.targets) * m.targets THEN 1 ELSE 0 END) / 100
    END::numeric(20, 2) AS cost_share,
    CASE WHEN m.grp = 'target' AND m.status = 'converted' THEN c.value_per_conversion END AS conversion_value
  FROM (SELECT mm.*, count(*) FILTER (WHERE mm.grp = 'target') OVER (PARTITION BY mm.campaign_id) AS targets,
          count(*) FILTER (WHERE mm.grp = 'target') OVER (PARTITION BY mm.campaign_id ORDER BY mm.customer_id) AS target_rank
        FROM crm.campaign_members mm) m
  JOIN crm.campaigns c ON c.id = m.campaign_id`;

@Injectable()
export class CampaignMemberReportSource implements ReportSourceProvider, OnModuleInit {
  readonly key = CAMPAIGN_MEMBER_SOURCE;

  constructor(
    private readonly db: Db,
    private readonly metadata: MetadataService,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
    private readonly registry: ReportSourceRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  meta(): ObjectMeta {
    return STATIC;
  }

  private async manages(p: Principal): Promise<boolean> {
    return (await this.access.platformRights(p.roles)).has('marketing.manage');
  }

  private async hasCustomers(): Promise<boolean> {
    return (await this.metadata.current()).objects.has(CUSTOMER);
  }

  async mayRead(p: Principal): Promise<boolean> {
    if (await this.manages(p)) return true;
    return (await this.hasCustomers()) && (await this.access.forObject(p, CUSTOMER)).can('read');
  }

  async source(who: Principal | SystemRead, params: unknown[], alias: string): Promise<{ o: ObjectMeta; acc: ObjectAccess; sql: string }> {
    // The campaigns by name, to label the campaign dimension (names are not personal).
    const campaigns = await this.db.query<{ id: string; name: string }>(`SELECT id::text AS id, name FROM crm.campaigns ORDER BY created_at DESC, id LIMIT 1000`);
    const fields = FIELDS.map((f) => (f.key === 'campaign' ? { ...f, options: { choices: campaigns.map((c) => ({ value: c.id, label: c.name })) } } : f));
    const o = objectOf(fields);
    let scope = 'TRUE';
    let may = true;
    if (!isSystemRead(who) && !(await this.manages(who))) {
      may = await this.mayRead(who);
      if (!may) scope = 'FALSE';
      else {
        const src = await this.reader.source(CUSTOMER, who, 'read', params, 'sc');
        scope = `cm.customer IN (SELECT sc.id FROM ${src.sql})`;
      }
    }
    return { o, acc: readOnlyAccess(this.key, may), sql: `(SELECT * FROM (${ROWS}) cm WHERE ${scope}) ${quoteIdent(alias)}` };
  }
}
