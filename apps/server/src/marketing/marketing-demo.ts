/**
 * Demo mode: the bank pack's sample campaign (大额存单推广) launched on the demo bank with responses
 * and conversions, so its funnel and uplift are not empty on first start. The launch is the real one
 * (members, control group, gates on the demo consents, call tasks, queued messages); the customers'
 * reactions are drawn from their own seeded random stream and written to the campaign's tables only —
 * no record of the demo bank changes, so a seed's bank stays what it was.
 */
import { Injectable } from '@nestjs/common';
import { Db } from '../database/db.js';
import type { JobContext } from '../jobs/job-registry.js';
import { CampaignLaunchJob } from './campaign-launch.job.js';
import { CampaignsService, LAUNCH_JOB } from './campaigns.service.js';

export const SAMPLE_CAMPAIGN = 'bank_cd_promo';
const RESPONSES = ['interested', 'not_interested', 'callback'] as const;

@Injectable()
export class MarketingDemo {
  constructor(
    private readonly db: Db,
    private readonly campaigns: CampaignsService,
    private readonly launcher: CampaignLaunchJob,
  ) {}

  /** Launches the sample campaign as the demo analyst and simulates its customers; lines for the console. */
  async seed(random: () => number): Promise<string[]> {
    const row = await this.db.one<{ id: string }>(`SELECT id::text FROM crm.campaigns WHERE spec->>'key' = $1 AND status = 'draft'`, [SAMPLE_CAMPAIGN]);
    const analyst = await this.db.one<{ id: string }>(`SELECT id::text FROM crm.users WHERE username = 'analyst'`);
    if (!row || !analyst) return [];
    await this.db.query(`UPDATE crm.campaigns SET status = 'launching', launched_at = now(), created_by = $2::uuid, owner_id = $2::uuid WHERE id = $1::uuid`, [row.id, analyst.id]);
    const r = (await this.campaigns.row(this.db.q, row.id))!;
    const ctx: JobContext = {
      id: `demo-${row.id}`, kind: LAUNCH_JOB, params: { campaignId: row.id }, cursor: null, createdBy: analyst.id,
      signal: new AbortController().signal, progress: async () => undefined,
    };
    const result = await this.launcher.run(ctx);
    const members = await this.db.query<{ customer_id: string; grp: string; status: string }>(
      `SELECT customer_id::text, grp, status FROM crm.campaign_members WHERE campaign_id = $1::uuid AND status IN ('contacted', 'planned') ORDER BY customer_id`,
      [r.id],
    );
    const ids: string[] = [], responses: (string | null)[] = [], converted: boolean[] = [];
    for (const m of members) {
      let response: string | null = null;
      let conv: boolean;
      if (m.grp === 'target') {
        if (random() < 0.4) response = RESPONSES[Math.floor(random() * RESPONSES.length)]!;
        conv = random() < (response === 'interested' ? 0.5 : 0.05);
      } else conv = random() < 0.04;
      if (!response && !conv) continue;
      ids.push(m.customer_id);
      responses.push(response);
      converted.push(conv);
    }
    await this.db.query(
      `UPDATE crm.campaign_members m SET response = coalesce(u.response, m.response), responded_at = CASE WHEN u.response IS NOT NULL THEN now() ELSE m.responded_at END,
              status = CASE WHEN u.converted THEN 'converted' WHEN u.response IS NOT NULL THEN 'responded' ELSE m.status END,
              converted_at = CASE WHEN u.converted THEN now() ELSE NULL END,
              task_status = CASE WHEN m.task_status = 'open' AND u.response IN ('interested', 'not_interested') THEN 'done' ELSE m.task_status END, updated_at = now()
         FROM unnest($2::uuid[], $3::text[], $4::boolean[]) AS u(customer_id, response, converted)
        WHERE m.campaign_id = $1::uuid AND m.customer_id = u.customer_id`,
      [r.id, ids, responses, converted],
    );
    return [`Demo mode: launched the sample campaign 大额存单推广 to ${String(result.members ?? 0)} members (${String(result.control ?? 0)} in the control group, ${String(result.excluded ?? 0)} excluded by the contact gates).`];
  }
}
