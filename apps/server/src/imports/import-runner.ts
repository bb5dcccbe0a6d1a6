/**
 * Runs imports in the background, one at a time per server process, resumable after a crash.
 *
 * An import is claimed with a session advisory lock held on a dedicated connection: a process that
 * dies loses its connection and with it the lock, so another (or the restarted) process takes the
 * import over — no lease to expire. Rows are written in batches; each batch commits in ONE
 * transaction together with the import's `next_row` and counters, so after a kill the runner
 * resumes at `next_row` and every row is counted exactly once. Each row runs inside a savepoint:
 * a failing row is recorded with its reasons and never stops the others. A dry run does the same
 * work and rolls the rows back (the counters and errors stay).
 */
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { FieldDef } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { UnitOfWork } from '../database/unit-of-work.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AppError } from '../common/app-error.js';
import { translate, type Lang } from '../common/i18n.js';
import { RequestContext } from '../common/request-context.js';
import { AuditService } from '../audit/audit.service.js';
import { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import { hashColumn, isEncrypted, quoteIdent } from '../metadata/field-types.js';
import { RecordsService, type PreparedMany } from '../records/records.service.js';
import { ScopedReader } from '../records/scoped-reader.js';
import { hashInput, sqlCastFor } from '../records/record-codec.js';
import { activePrincipal, type Principal } from '../auth/principal.js';
import { ADVISORY_LOCKS } from '../database/advisory-locks.js';
import { claimUnderSessionLock, releaseSessionLock, SerialWorkLoop } from '../database/session-locked-work.js';
import { systemRead } from '../records/system-reads.js';
import { recordsByKey } from '../records/key-lookup.js';
import { readRows } from './import-file.js';
import { cellToInput } from './import-cells.js';
import { ImportsService, type ImportRow } from './imports.service.js';

const LOCK_CLASS = ADVISORY_LOCKS['import.run'];
const POLL_MS = 1000;

interface RowError {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

/** A reason a row cannot be written, found by the import itself (not by the record service). */
class RowProblem extends Error {
  constructor(readonly column: string | null, readonly code: string, message: string) {
    super(message);
  }
}

interface Plan {
  o: ObjectMeta;
  /** Cell index → (field, relation key field of the target, column name). */
  cells: { index: number; column: string; field: FieldDef; relKey?: string }[];
  columnOf: Map<string, string>;
  key?: FieldDef;
  /** Inserts whose cells need no statement (no relation keys): prepared ahead of the write. */
  pipelined: boolean;
}

type Line = { line: number; cells: string[] };
interface PreparedInserts {
  ready: { line: number; input: Record<string, unknown> }[];
  errors: RowError[];
  prepared: PreparedMany | null;
}

@Injectable()
export class ImportRunner implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger('imports');
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly loop = new SerialWorkLoop(() => this.step(), (err) => this.log.error(`import runner: ${(err as Error).message}`));
  readonly batchSize: number;

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly imports: ImportsService,
    private readonly records: RecordsService,
    private readonly reader: ScopedReader,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
  ) {
    const n = Number(process.env.CRM_IMPORT_BATCH ?? 500);
    this.batchSize = Number.isInteger(n) && n >= 1 && n <= 5000 ? n : 500;
  }

  onModuleInit(): void {
    if (!this.config.jobWorkers) return;
    this.imports.kick = () => this.wake();
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop.stop();
  }

  wake(): void {
    if (this.stopping) return;
    void this.loop.wake();
  }

  /** Claims and runs the oldest unfinished import no other process holds; false when none. */
  private async step(): Promise<boolean> {
    const claimed = await claimUnderSessionLock(
      this.db.pool,
      LOCK_CLASS,
      async (c) => (await c.query<{ id: string }>(`SELECT id::text AS id FROM crm.imports WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 50`)).rows.map((r) => r.id),
      async (c, id) => (await c.query<ImportRow>(`SELECT * FROM crm.imports WHERE id = $1::uuid AND status IN ('queued', 'running')`, [id])).rows[0],
    );
    if (!claimed) return false;
    await this.runClaimed(claimed.client, claimed.row);
    return true;
  }

  private async runClaimed(client: PoolClient, row: ImportRow): Promise<void> {
    let broken = false;
    try {
      await this.run(client, row);
    } catch (err) {
      broken = this.stopping;
      if (!this.stopping) {
        this.log.error(`import ${row.id} failed: ${(err as Error).message}`);
        await client.query('ROLLBACK').catch(() => undefined);
        await this.db.pool.query(`UPDATE crm.imports SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE id = $1::uuid`, [row.id, String((err as Error).message).slice(0, 500)]).catch(() => undefined);
      }
    } finally {
      await releaseSessionLock(client, LOCK_CLASS, row.id, broken);
    }
  }

  private principalOf(id: string): Promise<Principal | null> {
    return activePrincipal(this.db.q, id);
  }

  private async plan(row: ImportRow, header: string[]): Promise<Plan> {
    const o = await this.meta.object(row.object_key);
    const cells: Plan['cells'] = [];
    const columnOf = new Map<string, string>();
    for (const [column, target] of Object.entries(row.options.mapping)) {
      if (!target) continue;
      const index = header.indexOf(column);
      const [fieldKey, relKey] = target.split('.') as [string, string | undefined];
      const field = o.byKey.get(fieldKey);
      if (index < 0 || !field) throw new Error(`the mapping no longer fits: ${column} → ${target}`);
      cells.push({ index, column, field, relKey });
      columnOf.set(fieldKey, column);
    }
    return { o, cells, columnOf, key: row.options.key ? o.byKey.get(row.options.key) : undefined, pipelined: row.options.mode === 'insert' && cells.every((c) => !c.relKey) };
  }

  private async run(client: PoolClient, row: ImportRow): Promise<void> {
    const p = await this.principalOf(row.created_by);
    if (!p) throw new Error('the importing user no longer exists or is disabled');
    const file = this.imports.filePath(row.file_sha256);
    const encoding = row.options.encoding;
    const lang: Lang = 'zh-CN';
    await RequestContext.run({ requestId: `import-${row.id}`, ip: null, lang, principal: p }, async () => {
      if (row.status === 'queued') {
        let total = -1;
        for await (const _ of readRows(file, row.file_format, encoding)) total++;
        await client.query(`UPDATE crm.imports SET status = 'running', total = $2, updated_at = now() WHERE id = $1::uuid`, [row.id, Math.max(0, total)]);
      }
      let header: string[] | null = null;
      let plan: Plan | null = null;
      let index = 0;
      let line = 0;
      const next = row.next_row;
      let batch: Line[] = [];
      // Inserts without relation keys are pipelined, one batch deep: the next batch is parsed and
      // validated (CPU) while the previous one is being written (PostgreSQL). Batches still commit
      // one after the other, each with its `next_row`, so a kill resumes exactly as before.
      let inFlight: Promise<number> | null = null;
      let written = next;
      const flush = async (rows: Line[]) => {
        const pre = plan!.pipelined ? await this.prepareInserts(plan!, p, rows, lang) : undefined;
        if (inFlight) written = await inFlight;
        inFlight = this.batch(client, row, plan!, p, rows, written, lang, pre);
        inFlight.catch(() => undefined);
        if (!plan!.pipelined) {
          written = await inFlight;
          inFlight = null;
        }
      };
      try {
        for await (const cells of readRows(file, row.file_format, encoding)) {
          line++;
          if (!header) {
            header = cells.map((c) => c.trim());
            plan = await this.plan(row, header);
            continue;
          }
          if (index++ < next) continue;
          batch.push({ line, cells });
          if (batch.length >= this.batchSize) {
            await flush(batch);
            batch = [];
            if (this.stopping) throw new Error('stopping');
          }
        }
        if (batch.length) await flush(batch);
        if (inFlight) written = await inFlight;
      } finally {
        // Never leave a write running on the connection when the loop ends early.
        if (inFlight) await (inFlight as Promise<number>).catch(() => undefined);
      }
      await client.query('BEGIN');
      const { rows: done } = await client.query<ImportRow>(
        `UPDATE crm.imports SET status = 'done', finished_at = now(), updated_at = now() WHERE id = $1::uuid RETURNING *`,
        [row.id],
      );
      const d = done[0]!;
      await this.audit.record(
        { action: 'record.import', object: row.object_key, recordId: row.id, data: { file: row.file_name, sha256: row.file_sha256, mode: row.options.mode, key: row.options.key ?? null, dryRun: row.dry_run, total: d.total, inserted: d.inserted, updated: d.updated, rejected: d.rejected } },
        client,
      );
      await client.query('COMMIT');
    });
  }

  /** The CPU part of an insert batch (cells → inputs → the record service's checks), no statement. */
  private async prepareInserts(plan: Plan, p: Principal, batch: Line[], lang: Lang): Promise<PreparedInserts> {
    const errors: RowError[] = [];
    const ready: { line: number; input: Record<string, unknown> }[] = [];
    for (const r of batch) {
      try {
        ready.push({ line: r.line, input: this.cellsInput(plan, r.cells) });
      } catch (err) {
        errors.push(...this.rowErrors(err, r.line, plan, lang));
      }
    }
    const prepared = ready.length ? await this.records.prepareMany(plan.o.key, ready.map((r) => r.input), p, { lang }) : null;
    return { ready, errors, prepared };
  }

  /** Writes one batch and moves `next_row` past it in the same transaction; answers the new `next_row`. */
  private async batch(client: PoolClient, row: ImportRow, plan: Plan, p: Principal, batch: Line[], expected: number, lang: Lang, pre?: PreparedInserts): Promise<number> {
    return UnitOfWork.run(client, async () => {
      await client.query('BEGIN');
      try {
        const { rows: cur } = await client.query<{ next_row: number }>('SELECT next_row FROM crm.imports WHERE id = $1::uuid FOR UPDATE', [row.id]);
        if (cur[0]?.next_row !== expected) throw new Error('the import moved on elsewhere');
        if (row.dry_run) await client.query('SAVEPOINT import_dry');
        let inserted = 0;
        let updated = 0;
        const errors: RowError[] = [];
        if (row.options.mode === 'insert') {
          // Inserts go out together (validated row by row by the record service, one multi-row statement).
          let ready: { line: number; input: Record<string, unknown> }[] = [];
          let results: Awaited<ReturnType<RecordsService['createMany']>> = [];
          if (pre) {
            ready = pre.ready;
            errors.push(...pre.errors);
            results = pre.prepared ? await this.records.writeMany(pre.prepared, p, { lang, client }) : [];
          } else {
            for (const r of batch) {
              try {
                ready.push({ line: r.line, input: await this.inputOf(client, plan, p, r.cells) });
              } catch (err) {
                errors.push(...this.rowErrors(err, r.line, plan, lang));
              }
            }
            results = ready.length ? await this.records.createMany(plan.o.key, ready.map((r) => r.input), p, { lang, client }) : [];
          }
          results.forEach((res, k) => {
            if (res.ok) inserted++;
            else errors.push(...this.rowErrors(res.error, ready[k]!.line, plan, lang));
          });
        } else {
          for (const r of batch) {
            await client.query('SAVEPOINT import_row');
            try {
              const outcome = await this.writeRow(client, row, plan, p, r.cells, lang);
              await client.query('RELEASE SAVEPOINT import_row');
              if (outcome === 'inserted') inserted++;
              else updated++;
            } catch (err) {
              await client.query('ROLLBACK TO SAVEPOINT import_row');
              errors.push(...this.rowErrors(err, r.line, plan, lang));
            }
          }
        }
        if (row.dry_run) await client.query('ROLLBACK TO SAVEPOINT import_dry');
        const rejectedRows = new Set(errors.map((e) => e.row)).size;
        if (errors.length) {
          await client.query(
            `INSERT INTO crm.import_errors (import_id, row_no, column_name, code, message)
             SELECT $1::uuid, r, c, k, m FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS t(r, c, k, m)`,
            [row.id, errors.map((e) => e.row), errors.map((e) => e.column), errors.map((e) => e.code), errors.map((e) => e.message.slice(0, 500))],
          );
        }
        const next = expected + batch.length;
        await client.query(
          `UPDATE crm.imports SET next_row = $2, inserted = inserted + $3, updated = updated + $4, rejected = rejected + $5, updated_at = now() WHERE id = $1::uuid`,
          [row.id, next, inserted, updated, rejectedRows],
        );
        await client.query('COMMIT');
        return next;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** A row's cells as the values a form submission would carry (relations resolved by their key). */
  private async inputOf(client: PoolClient, plan: Plan, p: Principal, cells: string[]): Promise<Record<string, unknown>> {
    const input: Record<string, unknown> = {};
    for (const c of plan.cells) {
      const raw = cells[c.index] ?? '';
      if (c.relKey) {
        if (raw.trim() === '') continue;
        input[c.field.key] = await this.resolve(client, c.field, c.relKey, raw.trim(), p, c.column);
        continue;
      }
      const v = cellToInput(c.field, raw);
      if (v !== undefined) input[c.field.key] = v;
    }
    return input;
  }

  /** `inputOf` for a plan without relation keys: no statement needed. */
  private cellsInput(plan: Plan, cells: string[]): Record<string, unknown> {
    const input: Record<string, unknown> = {};
    for (const c of plan.cells) {
      const v = cellToInput(c.field, cells[c.index] ?? '');
      if (v !== undefined) input[c.field.key] = v;
    }
    return input;
  }

  private async writeRow(client: PoolClient, row: ImportRow, plan: Plan, p: Principal, cells: string[], lang: Lang): Promise<'inserted' | 'updated'> {
    const input = await this.inputOf(client, plan, p, cells);
    if (row.options.mode === 'upsert' && plan.key) {
      const keyValue = input[plan.key.key];
      const keyColumn = plan.columnOf.get(plan.key.key) ?? null;
      if (keyValue === undefined) throw new RowProblem(keyColumn, 'required', lang === 'en' ? 'The key is empty' : '匹配键为空');
      const found = await this.findByKey(client, plan.o, plan.key, keyValue);
      if (found.length > 1) throw new RowProblem(keyColumn, 'ambiguous_key', lang === 'en' ? 'More than one record has this key' : '有多条记录使用此匹配键');
      if (found.length === 1) {
        await this.records.patch(plan.o.key, found[0]!.id, { ...input, version: found[0]!.version }, p, { lang, client });
        return 'updated';
      }
    }
    await this.records.create(plan.o.key, input, p, { lang, client });
    return 'inserted';
  }

  /** Records holding `value` in `field`, whoever may see them (the update itself is row-scoped): sensitive fields by their keyed search hash. */
  private findByKey(client: PoolClient, o: ObjectMeta, f: FieldDef, value: unknown): Promise<{ id: string; version: number }[]> {
    return recordsByKey(client, this.records.crypto, o, f, value, systemRead('import upsert: a key held outside the importer\'s scope must not be inserted twice'));
  }

  /** A relation cell names the target by one of its fields: the one record of it the importer may read. */
  private async resolve(client: PoolClient, f: FieldDef, relKey: string, text: string, p: Principal, column: string): Promise<string> {
    const target = await this.meta.object(f.target!);
    const kf = target.byKey.get(relKey)!;
    const value = cellToInput(kf, text);
    const v = kf.type === 'cn_id_number' && typeof value === 'string' ? value.toUpperCase() : value;
    const params: unknown[] = [];
    const scoped = await this.reader.source(target.key, p, 'read', params);
    const where = isEncrypted(kf)
      ? `t.${quoteIdent(hashColumn(kf.key))} = $${params.push(this.records.crypto.searchHash(hashInput(v)))}::text`
      : `t.${quoteIdent(kf.key)} = $${params.push(v)}::${sqlCastFor(kf, kf.key)}`;
    const { rows } = await client.query<{ id: string }>(`SELECT t.id::text AS id FROM ${scoped.sql} WHERE ${where} ORDER BY t.id LIMIT 2`, params);
    if (rows.length !== 1) {
      throw new RowProblem(column, rows.length ? 'ambiguous_reference' : 'reference_not_found', rows.length ? `more than one "${target.key}" has ${relKey} = ${text.slice(0, 60)}` : `no "${target.key}" with ${relKey} = ${text.slice(0, 60)}`);
    }
    return rows[0]!.id;
  }

  private rowErrors(err: unknown, line: number, plan: Plan, lang: Lang): RowError[] {
    if (err instanceof RowProblem) return [{ row: line, column: err.column, code: err.code, message: err.message }];
    if (err instanceof AppError) {
      const details = typeof err.details === 'function' ? err.details(lang) : err.details;
      if (details?.length) {
        return details.map((d) => {
          const top = (d.path ?? '').split('/')[1] ?? '';
          return { row: line, column: plan.columnOf.get(top) ?? (top || null), code: d.code, message: d.message };
        });
      }
      return [{ row: line, column: null, code: err.code, message: translate(err.code, lang, err.params) }];
    }
    this.log.warn(`import ${line}: ${(err as Error).message}`);
    return [{ row: line, column: null, code: 'internal', message: lang === 'en' ? 'The row could not be written' : '该行无法写入' }];
  }
}
