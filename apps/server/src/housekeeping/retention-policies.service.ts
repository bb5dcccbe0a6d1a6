/**
 * History time-to-live per process definition key (`crm.retention_policies`, target
 * process_instances): read, set (days, or null = keep forever) and cleared back to the default.
 * Changes are audited in the same transaction.
 */
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Db } from '../database/db.js';
import { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/principal.js';
import { DefinitionsService } from '../workflow/definitions.service.js';
import { PROCESS_HISTORY_TARGET } from './retention-targets.js';
import type { HistoryTtl as HistoryTtlView } from '@crm/shared';


@Injectable()
export class RetentionPoliciesService {
  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly defs: DefinitionsService,
  ) {}

  async historyTtl(key: string): Promise<HistoryTtlView> {
    await this.defs.versions(key); // 404 for an unknown definition
    const rows = await this.db.query<{ scope: string; ttl_days: number | null }>(
      `SELECT scope, ttl_days FROM crm.retention_policies WHERE target = $1 AND scope IN ($2, '*')`,
      [PROCESS_HISTORY_TARGET, key],
    );
    const own = rows.find((r) => r.scope === key);
    if (own) return { key, days: own.ttl_days, source: 'definition' };
    const whole = rows.find((r) => r.scope === '*');
    return { key, days: whole ? whole.ttl_days : this.config.retention.processInstances, source: 'default' };
  }

  async setHistoryTtl(p: Principal, key: string, days: number | null): Promise<HistoryTtlView> {
    await this.defs.versions(key);
    await this.db.tx(async (c) => {
      const before = await c.query(`SELECT ttl_days FROM crm.retention_policies WHERE target = $1 AND scope = $2`, [PROCESS_HISTORY_TARGET, key]);
      await c.query(
        `INSERT INTO crm.retention_policies (target, scope, ttl_days, updated_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (target, scope) DO UPDATE SET ttl_days = EXCLUDED.ttl_days, updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [PROCESS_HISTORY_TARGET, key, days, p.id],
      );
      await this.audit.record({ action: 'retention.set', object: 'process_definition', recordId: key, data: { before: before.rows[0]?.ttl_days ?? 'default', days } }, c);
    });
    return this.historyTtl(key);
  }

  async clearHistoryTtl(key: string): Promise<HistoryTtlView> {
    await this.defs.versions(key);
    await this.db.tx(async (c) => {
      const gone = await c.query(`DELETE FROM crm.retention_policies WHERE target = $1 AND scope = $2 RETURNING ttl_days`, [PROCESS_HISTORY_TARGET, key]);
      if (gone.rowCount) await this.audit.record({ action: 'retention.clear', object: 'process_definition', recordId: key, data: { before: gone.rows[0].ttl_days } }, c);
    });
    return this.historyTtl(key);
  }
}
