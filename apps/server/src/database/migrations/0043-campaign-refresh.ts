import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaign target refresh: when a campaign's target was last re-evaluated, and per member when they
 * joined and when a refresh found them no longer in the target (not contacted again). Additive only.
 */
export class CampaignRefresh1764300002200 implements MigrationInterface {
  name = 'CampaignRefresh1764300002200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm.campaigns ADD COLUMN refreshed_at timestamptz;
      ALTER TABLE crm.campaign_members ADD COLUMN joined_at timestamptz NOT NULL DEFAULT now(), ADD COLUMN left_at timestamptz;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE crm.campaign_members DROP COLUMN left_at, DROP COLUMN joined_at;
      ALTER TABLE crm.campaigns DROP COLUMN refreshed_at;
    `);
  }
}
