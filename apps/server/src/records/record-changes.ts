/**
 * Which objects' records changed, heard across every server process: a statement-level trigger on a
 * record table announces its name on `crm_records_changed` at commit (whoever wrote — API, process,
 * import, demo loader). Caches of derived data (report answers) watch the objects they read and drop
 * entries when one changes. The notifications arrive through the process's change feed (topic
 * `records`); like the user cache, a feed that is down means "trust nothing": callers ask `live`
 * before caching. A change to a user (org unit, roles) is passed on as `*`: scopes may move; so is a
 * feed reset (an empty key).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { LOGGER } from '../logging/logger.token.js';
import { quoteIdent, tableOf } from '../metadata/field-types.js';
import { MetadataService } from '../metadata/metadata.service.js';

const TRIGGER = 'crm_records_changed';

@Injectable()
export class RecordChanges {
  /** Tables known to carry the trigger, per metadata version (a re-created table has none). */
  private readonly watched = new Set<string>();
  private readonly generations = new Map<string, number>();
  private epoch = 0;
  private readonly subscribers = new Set<(object: string) => void>();

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly feed: ChangeFeed,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    feed.on('records', (table) => this.changed(table || '*'));
    feed.on('users', () => this.changed('*'));
  }

  /** Whether change notifications arrive now (else nothing derived may be cached). */
  get live(): boolean {
    return this.feed.live;
  }

  private changed(object: string): void {
    if (object === '*') this.epoch++;
    else this.generations.set(object, (this.generations.get(object) ?? 0) + 1);
    for (const fn of this.subscribers) fn(object);
  }

  /** Called with an object key (or `*`: everything) each time records may have changed. */
  subscribe(fn: (object: string) => void): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /** A stamp of the objects' change counters: equal stamps mean no change was heard in between. */
  stamp(objects: string[]): string {
    return [this.epoch, ...objects.map((o) => `${o}:${this.generations.get(o) ?? 0}`)].join(',');
  }

  /**
   * Makes sure each object's table announces its changes (adds the statement-level trigger once).
   * False when that could not be done now (e.g. the table is locked): the caller must not cache.
   */
  async watch(objects: string[]): Promise<boolean> {
    const version = (await this.meta.current()).version;
    let all = true;
    for (const o of objects) {
      const key = `${version}:${o}`;
      if (this.watched.has(key)) continue;
      try {
        await this.db.tx(async (c) => {
          const { rows } = await c.query(`SELECT 1 FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2`, [`crm_data.${quoteIdent(o)}`, TRIGGER]);
          if (rows.length) return;
          // Never queue behind a long write: try again on a later run instead.
          await c.query(`SELECT set_config('lock_timeout', '1000', true)`);
          await c.query(`CREATE OR REPLACE TRIGGER ${TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${tableOf(o)} FOR EACH STATEMENT EXECUTE FUNCTION crm.notify_records_changed()`);
        });
        this.watched.add(key);
      } catch (err) {
        this.logger.warn({ err: { code: (err as { code?: string }).code }, object: o }, 'could not watch the object for changes; its reports are not cached');
        all = false;
      }
    }
    return all;
  }
}
