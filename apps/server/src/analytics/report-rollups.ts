/**
 * Report rollups (migration 0045, `records/report-rollup-sql.ts`): the first run of a report that a
 * rollup can answer makes the object's rollup — under a lock that keeps writers out while it fills, and
 * never queueing long behind one (a run that cannot get the lock reads the records instead). Known
 * rollups are remembered per metadata version; a field change that drops one is a new version.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { LOGGER } from '../logging/logger.token.js';
import { tableOf } from '../metadata/field-types.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { createRollup, rollupFields, rollupInPlace } from '../records/report-rollup-sql.js';

export interface Rollup {
  table: string;
  fields: Set<string>;
}

@Injectable()
export class ReportRollups {
  private readonly known = new Map<string, Rollup | null>();

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The object's rollup, made now if it has none (null when it cannot be made right now). */
  async ensure(objectKey: string): Promise<Rollup | null> {
    const version = (await this.meta.current()).version;
    const key = `${version}:${objectKey}`;
    if (this.known.get(key)) return this.known.get(key)!;
    const started = Date.now();
    try {
      const made = await this.db.tx(async (c) => {
        await c.query(`SELECT pg_advisory_xact_lock(hashtext('crm.report_rollups'), hashtext($1))`, [objectKey]);
        const there = await rollupInPlace(async (text, params) => (await c.query(text, params)).rows, objectKey);
        if (there) return { ...there, created: false };
        // A rollup whose table was made again (or that lost its triggers) is made anew.
        await c.query('SELECT crm.drop_report_rollup($1)', [objectKey]);
        await c.query(`SELECT set_config('lock_timeout', '2000', true)`);
        // Writers wait while the rollup fills (readers do not); the triggers take over at commit.
        await c.query(`LOCK TABLE ${tableOf(objectKey)} IN SHARE ROW EXCLUSIVE MODE`);
        const o = await this.meta.object(objectKey);
        const fields = rollupFields(o);
        return { id: await createRollup(c, o, fields), fields, created: true };
      });
      if (made.created) this.logger.info({ object: objectKey, ms: Date.now() - started, fields: made.fields }, 'report rollup made');
      const rollup = { table: `report_rollup_${made.id}`, fields: new Set(made.fields) };
      this.known.set(key, rollup);
      return rollup;
    } catch (err) {
      this.logger.warn({ err: { code: (err as { code?: string }).code, message: (err as Error).message }, object: objectKey }, 'no report rollup now; the report reads the records');
      return null;
    }
  }
}
