/**
 * The two background jobs of a model. Both read every live record as the platform (a named system read)
 * in keyset pages.
 * - `model.train`: label and features of every record, a seeded holdout split, the tree ensemble and the
 *   logistic baseline, a new immutable version with its metrics; audited as `model.train`. A restarted
 *   training starts over (it holds nothing worth resuming).
 * - `model.score`: the probability (0–1, four places, a decimal string) into the score field through
 *   RecordsService.writeComputed — one set-based UPDATE per batch with one audit row per changed record,
 *   then the batch's change events (rule tags, process triggers, webhooks) — one batch per transaction
 *   together with its checkpoint, so a restarted job resumes after the last committed batch. An
 *   unchanged score is not rewritten.
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ModelMetrics } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { RecordsService } from '../records/records.service.js';
import { systemRead } from '../records/scoped-reader.js';
import { systemFeatureRows, systemRowCount } from '../records/system-reads.js';
import { decodeField } from '../records/record-codec.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import type { JobContext, JobHandler } from '../jobs/job-registry.js';
import { JobsService } from '../jobs/jobs.service.js';
import { DEFAULT_GBDT } from './ml/index.js';
import { rowContext, type CompiledModel } from './model-features.js';
import { MlPool, MlPoolAborted } from './ml-pool.js';
import type { MlTrained } from './ml-tasks.js';
import { ModelsService, asOfDate, type ModelArtifact, type StoredDefinition } from './models.service.js';

const READ_PAGE = 2000;
/** Records scored per transaction: one read, one UPDATE (with its audit rows), the batch's events, the checkpoint. */
const SCORE_BATCH = 1000;
/** Training holds every row in memory: a bound. */
export const MAX_TRAINING_ROWS = 2_000_000;
const MIN_PER_CLASS = 10;

const finite = (v: number) => (Number.isFinite(v) ? v : null);
/** The features as the model worker compiles them. */
const featureSources = (m: CompiledModel) => m.features.map((f) => ({ source: f.source, expression: f.kind === 'feel' ? f.source : null }));

@Injectable()
export class ModelJobs {
  constructor(
    private readonly db: Db,
    private readonly models: ModelsService,
    private readonly records: RecordsService,
    private readonly audit: AuditService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    private readonly pool: MlPool,
    private readonly jobs: JobsService,
  ) {}

  private async definition(key: string): Promise<StoredDefinition> {
    const row = await this.db.one<{ definition: StoredDefinition }>('SELECT definition FROM crm.models WHERE key = $1', [key]);
    if (!row) throw new AppError(404, 'models.not_found', { model: key });
    return row.definition;
  }

  readonly train: JobHandler = {
    kind: 'model.train',
    run: async (ctx: JobContext) => {
      const { model: key } = ctx.params as { model: string };
      const started = Date.now();
      const def = await this.definition(key);
      const m = await this.models.compile(def, null);
      const now = new Date();
      const asOf = asOfDate(now);
      const why = systemRead('model training');
      const total = await systemRowCount(this.db.q, why, def.object);
      await this.audit.record({ action: 'model.train', object: def.object, actorId: ctx.createdBy, data: { model: key, job: ctx.id } });
      // labels and features are evaluated in the model worker, which keeps the rows until the fitting
      const features = featureSources(m);
      const session = ctx.id;
      let rowsRead = 0;
      let positives = 0;
      let negatives = 0;
      let after: string | null = null;
      try {
        for (;;) {
          if (ctx.signal.aborted) return { aborted: true };
          const rows = await systemFeatureRows(this.db.q, why, def.object, m.fields.map((f) => f.key), m.aggregates.map((a) => a.sql), { afterId: after, limit: READ_PAGE, asOf: now });
          if (!rows.length) break;
          const page = await this.pool.rows({ op: 'rows', session, key: `${key}:${session}`, features, label: def.label, trainFilter: def.trainFilter ?? null, rows: rows.map((row) => rowContext(m, row, this.crypto, asOf)) }, ctx.signal);
          rowsRead = page.rows;
          positives += page.positives;
          negatives += page.negatives;
          if (rowsRead > MAX_TRAINING_ROWS) throw new AppError(400, 'models.too_many_rows', { max: MAX_TRAINING_ROWS });
          after = rows[rows.length - 1]!.id as string;
          await ctx.progress({ done: rowsRead, total: Math.max(total, rowsRead) + (def.trees ?? DEFAULT_GBDT.trees) });
        }
      } catch (err) {
        if (err instanceof MlPoolAborted) return { aborted: true };
        throw err;
      }
      if (positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS) throw new AppError(400, 'models.too_few_labels', { min: MIN_PER_CLASS, positives, negatives });
      // The fitting runs in the model worker thread; its trees count on as progress after the rows read.
      const trees = def.trees ?? DEFAULT_GBDT.trees;
      let saving = Promise.resolve();
      const onTree = (done: number) => { saving = saving.then(() => ctx.progress({ done: rowsRead + done, total: rowsRead + trees })).catch(() => undefined); };
      let trained: MlTrained;
      try {
        trained = await this.pool.train({
          op: 'train', session, featureCount: m.features.length, asOf: now.getTime(),
          options: { seed: def.seed, holdoutFraction: def.holdoutFraction, gbdt: { trees: def.trees, maxDepth: def.maxDepth, learningRate: def.learningRate } },
        }, onTree, ctx.signal);
      } catch (err) {
        if (err instanceof MlPoolAborted) return { aborted: true };
        throw err;
      }
      await saving;
      const { model, baseline, metrics, encoders } = trained;
      const stored: ModelMetrics = {
        auc: finite(metrics.auc), baselineAuc: finite(metrics.baselineAuc), logLoss: finite(metrics.logLoss), baselineLogLoss: finite(metrics.baselineLogLoss),
        liftTop10: finite(metrics.liftTop10), liftTop20: finite(metrics.liftTop20), calibration: metrics.calibration,
        featureImportance: m.features.map((f, j) => ({ feature: f.source, label: f.label, importance: metrics.importance[j] ?? 0 })).sort((a, b) => b.importance - a.importance),
        trainingRows: metrics.trainingRows, holdoutRows: metrics.holdoutRows, unlabelledRows: metrics.unlabelledRows, positiveRate: metrics.positiveRate,
        trainingMs: Date.now() - started,
      };
      const artifact: ModelArtifact = { model, baseline, encoders, expectedMargin: trained.expectedMargin };
      const version = await this.db.tx(async (c) => {
        const locked = await c.query<{ v: number }>('SELECT coalesce((SELECT max(version) FROM crm.model_versions WHERE model_key = $1), 0) + 1 AS v FROM crm.models WHERE key = $1 FOR UPDATE', [key]);
        if (!locked.rows[0]) throw new AppError(404, 'models.not_found', { model: key });
        const v = locked.rows[0].v;
        await c.query(
          'INSERT INTO crm.model_versions (model_key, version, definition, artifact, metrics, trained_by) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6::uuid)',
          [key, v, JSON.stringify(def), JSON.stringify(artifact), JSON.stringify(stored), ctx.createdBy],
        );
        await c.query('UPDATE crm.models SET latest_version = $2 WHERE key = $1', [key, v]);
        await ctx.progress({ done: rowsRead + trees, total: rowsRead + trees }, c);
        return v;
      });
      return { model: key, version, auc: stored.auc, baselineAuc: stored.baselineAuc, trainingRows: stored.trainingRows, holdoutRows: stored.holdoutRows, unlabelledRows: stored.unlabelledRows };
    },
  };

  readonly score: JobHandler = {
    kind: 'model.score',
    run: async (ctx: JobContext) => {
      const { model: key, version } = ctx.params as { model: string; version: number };
      const v = await this.models.version(key, version);
      if (!v) throw new AppError(404, 'models.not_found', { model: key });
      const def = v.definition;
      const scoreField = (await this.definition(key)).scoreField ?? def.scoreField;
      if (!scoreField) throw new AppError(409, 'models.no_score_field', { model: key });
      const m = await this.models.compile(def, null);
      const sf = m.object.byKey.get(scoreField);
      if (!sf) throw new AppError(409, 'models.no_score_field', { model: key });
      const why = systemRead('model scoring');
      const total = await systemRowCount(this.db.q, why, def.object);
      const state = { afterId: null as string | null, done: 0, written: 0, unchanged: 0, failed: 0, ...(ctx.cursor as object | null) };
      const columns = [...new Set([...m.fields.map((f) => f.key), scoreField])];
      const features = featureSources(m);
      for (;;) {
        if (ctx.signal.aborted) return { ...state, aborted: true };
        const now = new Date();
        const rows = await systemFeatureRows(this.db.q, why, def.object, columns, m.aggregates.map((a) => a.sql), { afterId: state.afterId, limit: SCORE_BATCH, asOf: now });
        if (!rows.length) break;
        // features, encoding and trees in the model worker; only the rows' decoding stays here
        let scored: Float64Array;
        try {
          scored = (await this.pool.score({ op: 'score', key: `${key}@${version}`, features, encoders: v.artifact.encoders, model: v.artifact.model, rows: rows.map((row) => rowContext(m, row, this.crypto, asOfDate(now))), asOf: now.getTime() }, ctx.signal)).probabilities;
        } catch (err) {
          if (err instanceof MlPoolAborted) return { ...state, aborted: true };
          throw err;
        }
        const changed: { id: string; value: string }[] = [];
        rows.forEach((row, i) => {
          const p = scored[i]!.toFixed(4);
          const current = decodeField(sf, row[scoreField], this.crypto);
          if (current !== null && Number(current) === Number(p)) state.unchanged++;
          else changed.push({ id: row.id as string, value: p });
        });
        await this.db.tx(async (c) => {
          const deferred: { id: string; prev: string | null }[] = [];
          const written = await this.records.writeComputed(def.object, scoreField, changed, { client: c, actorId: ctx.createdBy, via: { model: key, version, job: ctx.id }, deferred });
          // process triggers, webhooks and journeys get the batch's changes from a follow-up job, enqueued
          // with the batch: delivered once the batch commits, without a process start per record in it
          if (deferred.length) await this.jobs.enqueue(this.changes.kind, { object: def.object, field: scoreField, model: key, version, changes: deferred }, { createdBy: null, tx: c });
          state.written += written;
          state.unchanged += changed.length - written;
          state.done += rows.length;
          state.afterId = rows[rows.length - 1]!.id as string;
          await ctx.progress({ done: state.done, total: Math.max(total, state.done), cursor: state }, c);
        });
      }
      await this.audit.record({ action: 'model.score', object: def.object, actorId: ctx.createdBy, data: { model: key, version, scored: state.done, written: state.written, failed: state.failed } });
      return { model: key, version, scored: state.done, written: state.written, unchanged: state.unchanged, failed: state.failed };
    },
  };

  /** The change events of one scoring batch for the one-by-one handlers (e.g. the retention process), in one transaction. */
  readonly changes: JobHandler = {
    kind: 'model.score.changes',
    run: async (ctx: JobContext) => {
      const { object, field, changes } = ctx.params as { object: string; field: string; changes: { id: string; prev: string | null }[] };
      const delivered = await this.db.tx(async (c) => {
        const n = await this.records.emitComputedChanges(object, field, changes, c);
        await ctx.progress({ done: changes.length, total: changes.length }, c);
        return n;
      });
      return { delivered };
    },
  };
}
