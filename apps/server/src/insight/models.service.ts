/**
 * Insight models as metadata: definitions (checked against the metadata and against what their
 * designer may read), trained versions with their metrics, and explanations. Training and scoring are
 * background jobs (model-jobs.ts). Designing, training and scoring need the `designer` right (the
 * controller); seeing a model needs it or the read action on the model's object; an explanation needs
 * read access to the record itself, and shows a feature the viewer may not read as 「受限字段」.
 */
import { Inject, Injectable } from '@nestjs/common';
import { RESTRICTED_FEATURE_LABEL, type Model, type ModelDefinitionInput, type ModelExplanation, type ModelMetrics, type ModelPatch, type ModelSummary, type ModelVersion } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AccessService, type ObjectAccess } from '../access/access.service.js';
import type { Principal } from '../auth/principal.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { isEncrypted } from '../metadata/field-types.js';
import { ScopedReader, systemRead } from '../records/scoped-reader.js';
import { systemFeatureRows } from '../records/system-reads.js';
import type { FieldCrypto } from '../crypto/field-crypto.js';
import { JobsService } from '../jobs/jobs.service.js';
import { type GbdtModel, type LogisticModel, gbdtExpectedMargin, gbdtShap, gbdtMargin, sigmoid } from './ml/index.js';
import { type CompiledModel, type Encoder, compileModel, encode, featureValues, rowContext } from './model-features.js';

export const MODEL_DEFAULTS = { seed: 42, holdoutFraction: 0.2, trees: 120, maxDepth: 4, learningRate: 0.1 } as const;

/** What a definition stores (the body without its key, defaults filled in). */
export type StoredDefinition = Omit<ModelDefinitionInput, 'key'> & { seed: number; holdoutFraction: number; trees: number; maxDepth: number; learningRate: number };

/** A trained version's fitted parts. */
export interface ModelArtifact {
  model: GbdtModel;
  baseline: LogisticModel;
  encoders: Encoder[];
  /** The ensemble's expected margin over the training data: the explanations' baseline. */
  expectedMargin: number;
}

interface ModelRow {
  key: string;
  object_key: string;
  definition: StoredDefinition;
  latest_version: number | null;
  updated_at: Date;
  metrics: ModelMetrics | null;
  trained_at: Date | null;
}

const SELECT = `SELECT m.key, m.object_key, m.definition, m.latest_version, m.updated_at, v.metrics, v.trained_at
  FROM crm.models m LEFT JOIN crm.model_versions v ON v.model_key = m.key AND v.version = m.latest_version`;

export const asOfDate = (now: Date) => now.toISOString().slice(0, 10);

@Injectable()
export class ModelsService {
  private readonly artifacts = new Map<string, { definition: StoredDefinition; artifact: ModelArtifact }>();

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
    private readonly jobs: JobsService,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
  ) {}

  /** Compiles a definition; with a designer, only over what that designer may read in clear. */
  async compile(def: StoredDefinition, designer: Principal | null): Promise<CompiledModel> {
    const meta = await this.meta.current();
    const acc = designer ? await this.access.forObject(designer, def.object) : null;
    return compileModel(def, meta, acc, async (object) => (designer ? this.access.forObject(designer, object) : null));
  }

  private async mayView(p: Principal, object: string): Promise<boolean> {
    if ((await this.access.platformRights(p.roles)).has('designer')) return true;
    return (await this.access.forObject(p, object)).can('read');
  }

  private answer(r: ModelRow): Model {
    const d = r.definition;
    return {
      key: r.key, name: d.name, kind: d.kind, object: d.object, label: d.label, features: d.features, aggregates: d.aggregates ?? [],
      trainFilter: d.trainFilter ?? null, scoreField: d.scoreField ?? null, seed: d.seed, holdoutFraction: d.holdoutFraction, trees: d.trees,
      maxDepth: d.maxDepth, learningRate: d.learningRate, status: r.latest_version === null ? 'draft' : 'trained', version: r.latest_version,
      metrics: r.metrics, trainedAt: r.trained_at?.toISOString() ?? null, updatedAt: r.updated_at.toISOString(),
    };
  }

  private async row(key: string): Promise<ModelRow | undefined> {
    return this.db.one<ModelRow>(`${SELECT} WHERE m.key = $1`, [key]);
  }

  async list(p: Principal): Promise<ModelSummary[]> {
    const rows = await this.db.query<ModelRow>(`${SELECT} ORDER BY m.key LIMIT 500`);
    const out: ModelSummary[] = [];
    for (const r of rows) {
      if (!(await this.mayView(p, r.object_key))) continue;
      out.push({ key: r.key, name: r.definition.name, object: r.object_key, status: r.latest_version === null ? 'draft' : 'trained', version: r.latest_version, auc: r.metrics?.auc ?? null, scoreField: r.definition.scoreField ?? null, updatedAt: r.updated_at.toISOString() });
    }
    return out;
  }

  /** The model, to a caller who may see it (404 otherwise: no existence oracle). */
  async get(key: string, p: Principal): Promise<Model> {
    const r = await this.row(key);
    if (!r || !(await this.mayView(p, r.object_key))) throw new AppError(404, 'models.not_found', { model: key });
    return this.answer(r);
  }

  /** The trained versions with their metrics, newest first, to a caller who may see the model. */
  async versions(key: string, p: Principal): Promise<ModelVersion[]> {
    await this.get(key, p);
    const rows = await this.db.query<{ version: number; metrics: ModelMetrics; trained_at: Date; trained_by: string | null }>(
      `SELECT v.version, v.metrics, v.trained_at, u.username AS trained_by
         FROM crm.model_versions v LEFT JOIN crm.users u ON u.id = v.trained_by
        WHERE v.model_key = $1 ORDER BY v.version DESC LIMIT 50`, [key]);
    return rows.map((r) => ({ version: r.version, metrics: r.metrics, trainedAt: r.trained_at.toISOString(), trainedBy: r.trained_by }));
  }

  async create(input: ModelDefinitionInput, p: Principal): Promise<Model> {
    const { key, ...rest } = input;
    const def: StoredDefinition = { ...MODEL_DEFAULTS, ...rest };
    await this.compile(def, p);
    const inserted = await this.db.one(
      `INSERT INTO crm.models (key, object_key, definition, created_by) VALUES ($1, $2, $3::jsonb, $4::uuid) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, def.object, JSON.stringify(def), p.id],
    );
    if (!inserted) throw new AppError(409, 'models.exists', { model: key });
    return this.get(key, p);
  }

  /** A solution pack's model, checked as the platform; false when a model of that key is there already. */
  async install(input: ModelDefinitionInput): Promise<boolean> {
    const { key, ...rest } = input;
    const def: StoredDefinition = { ...MODEL_DEFAULTS, ...rest };
    await this.compile(def, null);
    const inserted = await this.db.one(
      `INSERT INTO crm.models (key, object_key, definition) VALUES ($1, $2, $3::jsonb) ON CONFLICT (key) DO NOTHING RETURNING key`,
      [key, def.object, JSON.stringify(def)],
    );
    return !!inserted;
  }

  async update(key: string, patch: ModelPatch, p: Principal): Promise<Model> {
    const r = await this.row(key);
    if (!r) throw new AppError(404, 'models.not_found', { model: key });
    const merged: Record<string, unknown> = { ...r.definition };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue;
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const def = merged as StoredDefinition;
    await this.compile(def, p);
    await this.db.query('UPDATE crm.models SET definition = $2::jsonb, object_key = $3, updated_at = now() WHERE key = $1', [key, JSON.stringify(def), def.object]);
    return this.get(key, p);
  }

  async remove(key: string): Promise<void> {
    const gone = await this.db.one('DELETE FROM crm.models WHERE key = $1 RETURNING key', [key]);
    if (!gone) throw new AppError(404, 'models.not_found', { model: key });
    for (const k of this.artifacts.keys()) if (k.startsWith(`${key}@`)) this.artifacts.delete(k);
  }

  async startTraining(key: string, p: Principal): Promise<{ jobId: string }> {
    const r = await this.row(key);
    if (!r) throw new AppError(404, 'models.not_found', { model: key });
    // the definition is checked again against its starter: rights may have changed since it was saved
    await this.compile(r.definition, p);
    return this.jobs.enqueue('model.train', { model: key }, { createdBy: p.id, dedupeKey: `model.train:${key}` });
  }

  async startScoring(key: string, p: Principal): Promise<{ jobId: string }> {
    const r = await this.row(key);
    if (!r) throw new AppError(404, 'models.not_found', { model: key });
    if (r.latest_version === null) throw new AppError(409, 'models.not_trained', { model: key });
    if (!r.definition.scoreField) throw new AppError(409, 'models.no_score_field', { model: key });
    return this.jobs.enqueue('model.score', { model: key, version: r.latest_version }, { createdBy: p.id, dedupeKey: `model.score:${key}` });
  }

  /** A trained version's definition and fitted parts (cached: versions never change). */
  async version(key: string, version: number): Promise<{ definition: StoredDefinition; artifact: ModelArtifact } | null> {
    const k = `${key}@${version}`;
    const hit = this.artifacts.get(k);
    if (hit) return hit;
    const row = await this.db.one<{ definition: StoredDefinition; artifact: ModelArtifact }>(
      'SELECT definition, artifact FROM crm.model_versions WHERE model_key = $1 AND version = $2', [key, version]);
    if (!row) return null;
    if (this.artifacts.size > 50) this.artifacts.clear();
    this.artifacts.set(k, row);
    return row;
  }

  /**
   * The record's score with its exact contributions (TreeSHAP on the log-odds scale), to a viewer who
   * may read the record (404 otherwise, whatever the reason). Features reading a field or related
   * object the viewer may not read are shown as 「受限字段」, without value or reason.
   */
  async explain(key: string, recordId: string, p: Principal): Promise<ModelExplanation> {
    const r = await this.row(key);
    if (!r || !(await this.mayView(p, r.object_key))) throw new AppError(404, 'models.not_found', { model: key });
    const readable = await this.reader.stored(r.object_key, recordId, p, { action: 'read' });
    if (!readable) throw new AppError(404, 'models.record_not_found');
    if (r.latest_version === null) throw new AppError(409, 'models.not_trained', { model: key });
    const v = await this.version(key, r.latest_version);
    if (!v) throw new AppError(409, 'models.not_trained', { model: key });
    const m = await this.compile(v.definition, null);
    const now = new Date();
    const [row] = await systemFeatureRows(this.db.q, systemRead('model explanation of a record the viewer may read'), m.object.key, m.fields.map((f) => f.key), m.aggregates.map((a) => a.sql), { ids: [recordId], limit: 1, asOf: now });
    if (!row) throw new AppError(404, 'models.record_not_found');
    const raw = featureValues(m, rowContext(m, row, this.crypto, asOfDate(now)));
    const x = encode(v.artifact.encoders, raw, now);
    const phi = gbdtShap(v.artifact.model, x);
    const score = gbdtMargin(v.artifact.model, x);
    const restricted = await this.restrictedFeatures(m, p);
    const contributions = m.features.map((f, j) => {
      const hidden = restricted[j]!;
      const value = hidden ? null : display(raw[j]);
      return {
        feature: f.source,
        label: hidden ? RESTRICTED_FEATURE_LABEL : f.label,
        value,
        contribution: phi[j]!,
        restricted: hidden,
        text: hidden ? null : f.reason ? f.reason.replaceAll('{value}', String(value ?? '—')) : `${f.label}：${value ?? '—'}`,
      };
    }).sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
    return {
      model: key, version: r.latest_version, recordId, scale: 'log-odds', score, probability: sigmoid(score),
      baseline: gbdtExpectedMargin(v.artifact.model), contributions,
    };
  }

  /** Per feature: whether it reads something the viewer may not read in clear. */
  private async restrictedFeatures(m: CompiledModel, p: Principal): Promise<boolean[]> {
    const own = await this.access.forObject(p, m.object.key);
    const clear = (acc: ObjectAccess, key: string, sensitive: boolean) => {
      const mode = acc.fieldMode(key);
      return mode !== 'none' && mode !== 'masked' && (!sensitive || acc.unmask);
    };
    const aggOk = new Map<string, boolean>();
    for (const a of m.aggregates) {
      const acc = await this.access.forObject(p, a.def.object);
      const o = (await this.meta.current()).objects.get(a.def.object);
      aggOk.set(a.def.key, acc.can('read') && a.reads.every((k) => {
        const f = o?.byKey.get(k);
        return !f || clear(acc, k, isEncrypted(f));
      }));
    }
    return m.features.map((f) => f.inputs.some((name) => {
      if (aggOk.has(name)) return !aggOk.get(name);
      const field = m.object.byKey.get(name);
      return !field || !clear(own, name, isEncrypted(field));
    }));
  }
}

/** A feature value as shown: numbers rounded to 2 places, lists joined. */
function display(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.round(v * 100) / 100 : null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join('、');
  return String(v);
}
