/**
 * Forms: a mutable draft per key, and immutable published versions. Publishing snapshots the
 * object's fields, derives the data JSON Schema and generates the standalone validator module the
 * browser loads (no runtime `new Function`, so a strict CSP holds). Submissions validate with the
 * compiled validator of the version, cached per `key@version`.
 */
import { Injectable, Optional } from '@nestjs/common';
import type { FormDraft, FormSummary, Unserialized } from '@crm/shared';
import type { PoolClient } from 'pg';
import {
  checkFormFeel, compileForm, deriveDataSchema, generateStandaloneValidatorModule, validateFormDefinition,
  type FieldDef, type FormDefinition, type JsonSchema, type Lang, type ProcessResult,
} from '@crm/form-engine';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { QueryCount } from '../database/query-count.js';
import { NotifiedCache } from '../database/notified-cache.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import { MetadataService } from './metadata.service.js';
import './metadata.messages.js';

/** A published version as the service keeps it (the answer of the version routes is built from it). */
export interface PublishedVersion {
  key: string;
  version: number;
  object: string;
  definition: FormDefinition;
  fields: FieldDef[];
  schema: JsonSchema;
  publishedAt: string;
}

/** A draft as stored: the definition without a version (create and update drop it). */
type StoredDraft = Omit<FormDefinition, 'version'>;

interface VersionRow {
  form_key: string;
  version: number;
  definition: FormDefinition;
  fields: FieldDef[];
  data_schema: JsonSchema;
  published_at: Date;
}

@Injectable()
export class FormsService {
  private readonly published = new Map<string, PublishedVersion>();
  /** Latest published version per form: until any process publishes (change feed), else re-read every 500 ms. */
  private readonly latest: NotifiedCache<number>;

  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly audit: AuditService,
    @Optional() private readonly feed?: ChangeFeed,
  ) {
    this.latest = new NotifiedCache(feed, 'forms', { fallbackMs: 500, liveMs: 60_000, maxEntries: 10_000 });
  }

  private async check(def: FormDefinition, lang: Lang): Promise<void> {
    const o = await this.meta.object(def.object);
    const problems = validateFormDefinition(def, o.fields, lang);
    if (problems.length) throw new AppError(400, 'meta.invalid_form', {}, problems);
  }

  async list(): Promise<Unserialized<FormSummary>[]> {
    return this.db.query<Unserialized<FormSummary>>(
      `SELECT key, object_key AS object, draft->'title' AS title, latest_version AS "latestVersion", updated_at AS "updatedAt"
       FROM crm.forms ORDER BY key LIMIT 500`,
    );
  }

  /** Runs fn in the caller's transaction when given one (metadata reads then see its changes), else in a new one. */
  private withTx<T>(client: PoolClient | undefined, fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return client ? this.meta.within(client, () => fn(client)) : this.db.tx(fn);
  }

  async createDraft(def: FormDefinition, lang: Lang, client?: PoolClient): Promise<Unserialized<FormDraft>> {
    if (typeof def?.key !== 'string' || !/^[a-z][a-z0-9_]{0,62}$/.test(def.key)) {
      throw new AppError(400, 'meta.invalid_form', {}, [{ path: '/key', code: 'pattern', message: 'key must match ^[a-z][a-z0-9_]{0,62}$' }]);
    }
    await this.meta.within(client, () => this.check(def, lang));
    await this.withTx(client, async (c) => {
      const exists = await c.query('SELECT 1 FROM crm.forms WHERE key = $1', [def.key]);
      if (exists.rowCount) throw new AppError(409, 'meta.form_exists', { form: def.key });
      const { version: _ignored, ...draft } = def;
      await c.query('INSERT INTO crm.forms (key, object_key, draft) VALUES ($1, $2, $3)', [def.key, def.object, JSON.stringify(draft)]);
      await this.audit.record({ action: 'meta.form.create', object: 'form', recordId: def.key });
    });
    return this.draft(def.key, client);
  }

  async draft(key: string, client?: PoolClient): Promise<Unserialized<FormDraft>> {
    const q = client ?? this.db.pool;
    const row = (await q.query<{ draft: StoredDraft; latest_version: number; updated_at: Date }>('SELECT draft, latest_version, updated_at FROM crm.forms WHERE key = $1', [key])).rows[0];
    if (!row) throw new AppError(404, 'meta.form_not_found', { form: key });
    return { ...row.draft, key, latestVersion: row.latest_version, updatedAt: row.updated_at };
  }

  async updateDraft(key: string, def: FormDefinition, lang: Lang, client?: PoolClient): Promise<Unserialized<FormDraft>> {
    const full = { ...def, key };
    const current = (await (client ?? this.db.pool).query<{ object_key: string }>('SELECT object_key FROM crm.forms WHERE key = $1', [key])).rows[0];
    if (!current) throw new AppError(404, 'meta.form_not_found', { form: key });
    if (full.object !== current.object_key) {
      throw new AppError(400, 'meta.invalid_form', {}, [{ path: '/object', code: 'immutable', message: lang === 'en' ? 'a form keeps its object' : '表单所属对象不可更改' }]);
    }
    await this.meta.within(client, () => this.check(full, lang));
    const { version: _ignored, ...draft } = full;
    await this.withTx(client, async (c) => {
      await c.query('UPDATE crm.forms SET draft = $2, updated_at = now() WHERE key = $1', [key, JSON.stringify(draft)]);
      await this.audit.record({ action: 'meta.form.update', object: 'form', recordId: key });
    });
    return this.draft(key, client);
  }

  async publish(key: string, lang: Lang, by: string | null, client?: PoolClient): Promise<{ version: number }> {
    return this.withTx(client, async (c) => {
      const { rows } = await c.query<{ draft: StoredDraft; latest_version: number; object_key: string }>('SELECT draft, latest_version, object_key FROM crm.forms WHERE key = $1 FOR UPDATE', [key]);
      if (!rows[0]) throw new AppError(404, 'meta.form_not_found', { form: key });
      const o = await this.meta.object(rows[0].object_key);
      const version = rows[0].latest_version + 1;
      const definition: FormDefinition = { ...rows[0].draft, key, version };
      const problems = validateFormDefinition(definition, o.fields, lang);
      if (problems.length) throw new AppError(400, 'meta.invalid_form', {}, problems);
      // Its FEEL must read fields of the object, by key, with ASCII operators and matching types.
      const feel = checkFormFeel(definition, o.fields, lang);
      if (feel.length) throw new AppError(400, 'meta.invalid_form_feel', { first: feel[0]!.message }, feel);
      const schema = deriveDataSchema(o.fields, definition);
      const module = generateStandaloneValidatorModule(o.fields, definition);
      await c.query(
        `INSERT INTO crm.form_versions (form_key, version, definition, fields, data_schema, validator_module, published_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [key, version, JSON.stringify(definition), JSON.stringify(o.fields), JSON.stringify(schema), module, by],
      );
      await c.query('UPDATE crm.forms SET latest_version = $2, updated_at = now() WHERE key = $1', [key, version]);
      await this.audit.record({ action: 'meta.form.publish', object: 'form', recordId: key, data: { version } });
      this.latest.delete(key);
      this.feed?.changed('forms');
      return { version };
    });
  }

  async version(key: string, version: number | 'latest'): Promise<PublishedVersion> {
    let v = version;
    if (v === 'latest') {
      v = await this.latest.get(key, async () => {
        const row = await this.db.one<{ latest_version: number }>('SELECT latest_version FROM crm.forms WHERE key = $1', [key]);
        if (!row) throw new AppError(404, 'meta.form_not_found', { form: key });
        if (row.latest_version === 0) throw new AppError(404, 'meta.form_not_published', { form: key });
        return row.latest_version;
      });
    }
    const cacheKey = `${key}@${v}`;
    const hit = this.published.get(cacheKey);
    if (hit) return hit;
    const row = await QueryCount.cacheRefill(() => this.db.one<VersionRow>('SELECT * FROM crm.form_versions WHERE form_key = $1 AND version = $2', [key, v]));
    if (!row) throw new AppError(404, 'meta.form_version_not_found', { form: key, version: v });
    const pf: PublishedVersion = {
      key, version: row.version, object: row.definition.object, definition: row.definition, fields: row.fields, schema: row.data_schema,
      publishedAt: row.published_at.toISOString(),
    };
    this.published.set(cacheKey, pf);
    return pf;
  }

  async validatorModule(key: string, version: number): Promise<string> {
    const row = await this.db.one<{ validator_module: string }>('SELECT validator_module FROM crm.form_versions WHERE form_key = $1 AND version = $2', [key, version]);
    if (!row) throw new AppError(404, 'meta.form_version_not_found', { form: key, version });
    return row.validator_module;
  }

  /** The compiled validator of a published version (one per version, cached by the engine). */
  async compiled(key: string, version: number | 'latest') {
    const pf = await this.version(key, version);
    return { form: pf, compiled: compileForm(pf.fields, pf.definition, { cacheKey: `form:${key}@${pf.version}` }) };
  }

  /** Validates values against the latest published version (used by task completion). */
  async validateSubmission(formKey: string, values: Record<string, unknown>, lang: Lang): Promise<ProcessResult> {
    const { compiled } = await this.compiled(formKey, 'latest');
    return compiled.process(values, { lang });
  }
}
