/**
 * Solution templates: a versioned bundle of objects, fields, forms, roles, seed records, decision
 * tables, processes and triggers, installed through the same services a designer uses — all inside
 * ONE transaction, so a failed install leaves nothing behind. Installing compares every part with
 * what is there and changes only what differs: installing the same bundle twice changes nothing
 * (no new versions, no rows, no audit entries — except the audited report of roles that differ from
 * the pack, since an install never changes an existing role).
 */
import { Inject, Injectable } from '@nestjs/common';
import type { ApplyRolesResult, InstallResult, Template, TemplateSummary } from '@crm/shared';
import { ModuleRef } from '@nestjs/core';
import { FeelDecimal, feelNumber } from '@crm/feel';
import { ensureDiagram } from '@crm/workflow-engine';
import type { PoolClient } from 'pg';
import type { Logger } from 'pino';
import type { FieldDef, FormDefinition, Lang } from '@crm/form-engine';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { registerMessages, translate } from '../common/i18n.js';
import { EXIT_MIGRATION_FAILED, StartupRefusal } from '../database/schema-check.js';
import { DomainEvents } from '../common/domain-events.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import type { Permission } from '../access/permission.types.js';
import { AdminService } from '../admin/admin.service.js';
import type { Principal } from '../auth/principal.js';
import { FieldCrypto } from '../crypto/field-crypto.js';
import { LOGGER } from '../logging/logger.token.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MetadataService } from '../metadata/metadata.service.js';
import { FormsService } from '../metadata/forms.service.js';
import { RecordsService } from '../records/records.service.js';
import { DefinitionsService } from '../workflow/definitions.service.js';
import { WorkflowRuntime } from '../workflow/runtime.service.js';
import { TriggersService } from '../workflow/triggers.service.js';
import { roleDifference, type RoleDifference } from './role-differences.js';
import { stable } from './stable-json.js';
import { loadTemplate, type LoadedTemplate } from './template-loader.js';
import { packByKey, templateKeys } from '../packs/pack-registry.js';
import { PackMigrationFailed, runPendingPackMigrations } from '../packs/pack-migrations.js';
import { advisoryXactLock } from '../database/advisory-locks.js';
import { acceptBankVersions, listConflicts, loadBaseline, replaceConflicts, saveBaseline, type PackConflict } from './pack-parts.store.js';
import { isDowngrade, refuseDowngrade } from './pack-version.js';
import { shippedBaseline } from './pack-baselines.js';
import { decisionKey, definitionCanon, fieldCanon, NUMERIC_TYPES, objectCanon, partKey, recordCanon, triggerCanon } from './pack-parts.js';
import { DashboardBody, JourneyBody, ModelBody, ReportBody } from '@crm/shared';
import { ReportsService } from '../analytics/reports.service.js';
import { DashboardsService } from '../analytics/dashboards.service.js';
import { ModelsService } from '../insight/models.service.js';
import { CampaignsService } from '../marketing/campaigns.service.js';
import { JourneysService } from '../marketing/journeys/journeys.service.js';
import { UpgradeLedger } from './upgrade-ledger.js';

export { stable } from './stable-json.js';
import type { TemplateBundle, TemplateRole } from './template.types.js';

registerMessages({
  'template.unknown_role': { 'zh-CN': '模板中没有这些角色：{roles}', en: 'The template defines no such roles: {roles}' },
  'template.unknown_conflict': { 'zh-CN': '这些部件没有待处理的升级冲突：{parts}', en: 'No upgrade conflict is open for these parts: {parts}' },
  'template.role_missing': { 'zh-CN': '角色尚不存在，请先安装模板：{role}', en: 'The role does not exist yet; install the template first: {role}' },
});


/** The platform itself, for deploys and triggers made by an install at start-up. */
export const SYSTEM_PRINCIPAL: Principal = { id: null as unknown as string, username: 'system', displayName: '系统', roles: [], orgUnitId: null, via: 'token' };

export type { InstallResult };

/** A role with the pack's permissions on its objects (others kept) and the pack's platform rights added. */
function mergedRole(r: TemplateRole, current: { permissions: Permission[] | null; platform: string[] | null }, packObjects: ReadonlySet<string>): { permissions: Permission[]; platform: string[] } {
  return {
    permissions: [...(current.permissions ?? []).filter((x) => !packObjects.has(x.object)), ...r.permissions],
    platform: [...new Set([...(current.platform ?? []), ...r.platform])].sort(),
  };
}

function sameValue(f: FieldDef | undefined, a: unknown, b: unknown): boolean {
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (f && NUMERIC_TYPES.has(f.type)) {
    // "1.50" and "1.5" are the same amount; compared as decimals, never as doubles (which merge cents above 2^53).
    const x = feelNumber(a);
    const y = feelNumber(b);
    return x !== null && y !== null ? new FeelDecimal(x).eq(y) : String(a) === String(b);
  }
  if (typeof a === 'object' || typeof b === 'object') return stable(a) === stable(b);
  return String(a) === String(b);
}

/** Ends a preview's transaction: what the install wrote is rolled back. */
class PreviewRolledBack extends Error {}

@Injectable()
export class TemplatesService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly forms: FormsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: DomainEvents,
    private readonly runtime: WorkflowRuntime,
    @Inject('FIELD_CRYPTO') private readonly crypto: FieldCrypto,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly moduleRef: ModuleRef,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Another module's service. Called inside install's transaction it joins that unit of work
   * (database/unit-of-work.ts), so everything it writes commits or rolls back with the install.
   */
  private service<T extends object>(type: abstract new (...args: never[]) => T): T {
    return this.moduleRef.get(type as never, { strict: false }) as T;
  }

  /**
   * At start-up: every pack installed at another version than the one this release bundles is
   * upgraded in place, as the platform. Like any install it never changes an existing role (the
   * differences go to the audit entry for the security administrator) and keeps the bank's own changes.
   */
  async upgradeInstalled(): Promise<string[]> {
    const lines: string[] = [];
    for (const key of templateKeys()) {
      const state = await this.state(key);
      const { bundle } = loadTemplate(key);
      if (!state || state.version === bundle.version) continue;
      if (isDowngrade(state.version, bundle.version)) {
        // An older process in a rolling upgrade: it keeps working with the newer pack, never downgrades it.
        this.logger.warn({ template: key, installed: state.version, bundled: bundle.version }, 'installed pack is newer than this release: not downgraded');
        continue;
      }
      let res: InstallResult;
      try {
        res = await this.install(key, null, 'zh-CN');
      } catch (err) {
        // Like a failed platform migration: nothing of the upgrade remains, and the start is refused.
        const reason = err instanceof AppError ? translate(err.code, 'en', err.params) : (err as Error).message.split('\n')[0];
        throw new StartupRefusal(
          `The upgrade of the ${key} pack from v${state.version} to v${bundle.version} failed and was rolled back: ${reason}. The database is as it was. ` +
            'Fix the cause named here (the log has the details), or start the previous release again.',
          EXIT_MIGRATION_FAILED,
        );
      }
      lines.push(
        `Upgraded the ${key} template from v${state.version} to v${res.version} (${res.changes.length} parts; kept the bank's changes to ${res.kept.length + res.conflicts.length}, ` +
          `${res.conflicts.length} of them changed on both sides; ${res.skipped.length} deleted by the bank not re-created).`,
      );
    }
    return lines;
  }

  async list(): Promise<TemplateSummary[]> {
    const out: TemplateSummary[] = [];
    for (const key of templateKeys()) {
      const { bundle } = loadTemplate(key);
      const state = await this.state(key);
      out.push({ key, version: bundle.version, name: bundle.name, description: bundle.description ?? null, installed: state });
    }
    return out;
  }

  async get(key: string): Promise<Template> {
    const { bundle, parameters } = loadTemplate(key, this.config.packParameters);
    return {
      key, version: bundle.version, name: bundle.name, description: bundle.description ?? null, parameters,
      objects: bundle.objects.map((o) => o.key), forms: bundle.forms.map((f) => f.key), roles: bundle.roles.map((r) => r.key),
      processes: bundle.processes.map((p) => p.key), decisions: bundle.decisions, views: bundle.views ?? [], installed: await this.state(key),
    };
  }

  /** The parts the latest install of the pack left as the bank has them (changed on both sides, or deleted by the bank). */
  async conflicts(key: string): Promise<{ key: string; installed: { version: string; installedAt: string } | null; items: PackConflict[] }> {
    loadTemplate(key); // 404 for a pack not in this build
    return { key, installed: await this.state(key), items: await listConflicts(this.db.pool, key) };
  }

  /** The bank keeps its own version of reported parts (see acceptBankVersions); 400 naming parts not reported. */
  async resolveConflicts(key: string, parts: string[]): Promise<{ resolved: string[]; items: PackConflict[] }> {
    loadTemplate(key);
    const resolved = await this.db.tx(async (c) => {
      await advisoryXactLock(c, 'template.install');
      const r = await acceptBankVersions(c, key, parts);
      if (r.unknown.length) throw new AppError(400, 'template.unknown_conflict', { parts: r.unknown.join(', ') });
      await this.audit.record({ action: 'template.conflicts_resolved', object: 'template', recordId: key, data: { keptByBank: r.resolved.map((x) => ({ part: x.part, reason: x.reason, packVersion: x.packVersion })) } }, c);
      return r.resolved.map((x) => x.part);
    });
    return { resolved, items: await listConflicts(this.db.pool, key) };
  }

  async state(key: string, q: Pick<PoolClient, 'query'> = this.db.pool): Promise<{ version: string; installedAt: string } | null> {
    const { rows } = await q.query<{ value: { version: string; installedAt: string } }>('SELECT value FROM crm.settings WHERE key = $1', [`template:${key}`]);
    return rows[0]?.value ?? null;
  }

  /**
   * Installs or upgrades a template in one transaction; only what differs is changed. `setUpRoles` is
   * for the demo's first start only (the platform, not a user): the roles the demo just seeded get the
   * pack's permissions. Any other install leaves existing roles alone.
   */
  async install(key: string, p: Principal | null, lang: Lang = 'zh-CN', opts: { setUpRoles?: boolean } = {}): Promise<InstallResult> {
    const loaded = loadTemplate(key, this.config.packParameters);
    try {
      return await this.db.tx((c) => this.meta.within(c, () => this.installIn(c, loaded, p, lang, opts.setUpRoles === true && p === null)));
    } catch (err) {
      if (err instanceof PackMigrationFailed) {
        const cause = err.cause instanceof Error ? err.cause.message.split('\n')[0] : String(err.cause);
        this.logger.error({ template: key, step: err.params.step, cause }, 'pack migration failed: the install was rolled back');
      }
      throw err;
    } finally {
      this.meta.invalidate();
      this.access.clearCache();
    }
  }

  /**
   * What installing the bundled version of a pack would do, without doing it: the same install in a
   * transaction that is rolled back (nothing of it stays, not even its audit entry). Same answer as
   * `install`; `changed: false` with no changes when the installed pack is current.
   */
  async preview(key: string, p: Principal, lang: Lang = 'zh-CN'): Promise<InstallResult> {
    const loaded = loadTemplate(key, this.config.packParameters);
    let result: InstallResult | undefined;
    try {
      await this.db.tx((c) =>
        this.meta.within(c, async () => {
          result = await this.installIn(c, loaded, p, lang, false);
          throw new PreviewRolledBack();
        }),
      );
    } catch (err) {
      if (!(err instanceof PreviewRolledBack)) throw err;
    } finally {
      this.meta.invalidate();
      this.access.clearCache();
    }
    return result!;
  }

  /**
   * The security administrator applies the pack's definition of some roles (the differences an install
   * reported): the pack's permissions on its own objects replace the role's, its platform rights are added.
   */
  async applyRoles(key: string, roles: string[]): Promise<ApplyRolesResult> {
    const { bundle } = loadTemplate(key);
    const unknown = roles.filter((r) => !bundle.roles.some((x) => x.key === r));
    if (unknown.length) throw new AppError(400, 'template.unknown_role', { roles: unknown.join(', ') });
    const admin = this.moduleRef.get(AdminService, { strict: false });
    const packObjects = new Set(bundle.objects.map((o) => o.key));
    const applied: string[] = [];
    for (const r of bundle.roles.filter((x) => roles.includes(x.key))) {
      const current = await this.db.one<{ permissions: Permission[]; platform: string[] }>('SELECT permissions, platform FROM crm.roles WHERE key = $1', [r.key]);
      if (!current) throw new AppError(404, 'template.role_missing', { role: r.key });
      if (!roleDifference(r, current, packObjects)) continue;
      await admin.updateRole(r.key, mergedRole(r, current, packObjects));
      applied.push(r.key);
    }
    return { applied, roleDifferences: await this.roleDifferences(bundle) };
  }

  private async roleDifferences(bundle: TemplateBundle, q: Pick<PoolClient, 'query'> = this.db.pool): Promise<RoleDifference[]> {
    const packObjects = new Set(bundle.objects.map((o) => o.key));
    const out: RoleDifference[] = [];
    for (const r of bundle.roles) {
      const { rows } = await q.query<{ permissions: Permission[]; platform: string[] }>('SELECT permissions, platform FROM crm.roles WHERE key = $1', [r.key]);
      const diff = rows[0] ? roleDifference(r, rows[0], packObjects) : null;
      if (diff) out.push(diff);
    }
    return out;
  }

  private async installIn(c: PoolClient, { bundle, files }: LoadedTemplate, p: Principal | null, lang: Lang, setUpRoles: boolean): Promise<InstallResult> {
    await advisoryXactLock(c, 'template.install');
    const state = await this.state(bundle.key, c);
    refuseDowngrade(bundle.key, state?.version ?? null, bundle.version);
    // A pack version's own migrations run with the upgrade, in its transaction (each step once).
    const pack = packByKey(bundle.key);
    const migrated = pack ? await runPendingPackMigrations(c, pack) : [];
    let baseline = await loadBaseline(c, bundle.key);
    // Installed before installs kept fingerprints: compare with what that version of the pack shipped.
    if (!baseline.size && state && pack) baseline = shippedBaseline(pack.bundleDir, bundle.key, state.version);
    const ledger = new UpgradeLedger(baseline, bundle.version, state === null);
    const changes: string[] = [];
    const kept: string[] = [];
    const judge = (part: string, current: unknown, want: unknown, deleted = false): boolean => {
      const { apply, decision } = ledger.judge(part, current, want, deleted);
      if (decision === 'keep_bank') kept.push(part);
      return apply;
    };
    const who = p ?? SYSTEM_PRINCIPAL;

    // ---- objects and fields (in bundle order: relation targets come first)
    for (const o of bundle.objects) {
      const existing = (await this.meta.current()).objects.get(o.key);
      const want = objectCanon(o);
      if (!existing) {
        // A pack object the bank deleted stays deleted, and so do its fields.
        if (!judge(partKey.object(o.key), null, want)) continue;
        await this.meta.createObject({ key: o.key, label: o.label, description: o.description, app: o.app, icon: o.icon, titleField: o.titleField, subjectField: o.subjectField, fields: o.fields }, lang, c);
        for (const f of o.fields) judge(partKey.field(o.key, f.key), null, fieldCanon(f));
        changes.push(`object ${o.key}`);
        continue;
      }
      if (judge(partKey.object(o.key), objectCanon(existing), want)) {
        await this.meta.updateObject(o.key, want, c);
        changes.push(`object ${o.key} (updated)`);
      }
      for (const f of o.fields) {
        const cur = existing.byKey.get(f.key);
        // Sensitivity is a security classification: a pack may raise it, never lower what is set.
        const a = fieldCanon({ ...f, sensitivity: (Math.max(f.sensitivity ?? 0, cur?.sensitivity ?? 0) || undefined) as FieldDef['sensitivity'] });
        const deleted = !cur && existing.deletedFields.some((d) => d.key === f.key);
        if (!judge(partKey.field(o.key, f.key), cur ? fieldCanon(cur) : null, a, deleted)) continue;
        if (!cur) {
          await this.meta.addField(o.key, f, lang, c);
          changes.push(`field ${o.key}.${f.key}`);
          continue;
        }
        const b = fieldCanon(cur);
        const patch: Record<string, unknown> = { ...a };
        delete patch.key;
        for (const k of Object.keys(b)) if (!(k in a)) patch[k] = null;
        await this.meta.updateField(o.key, f.key, patch as Partial<FieldDef>, lang, c);
        changes.push(`field ${o.key}.${f.key} (updated)`);
      }
    }

    // ---- forms: draft as in the bundle, published
    for (const f of bundle.forms) {
      const want = { ...f } as FormDefinition;
      let draft: Record<string, unknown> | null = null;
      try {
        draft = await this.forms.draft(f.key, c);
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 404) throw err;
      }
      const { latestVersion, updatedAt: _u, ...have } = draft ?? {};
      const apply = judge(partKey.form(f.key), draft ? have : null, want);
      let publish = false;
      if (apply && !draft) {
        await this.forms.createDraft(want, lang, c);
        changes.push(`form ${f.key}`);
        publish = true;
      } else if (apply) {
        await this.forms.updateDraft(f.key, want, lang, c);
        changes.push(`form ${f.key} (updated)`);
        publish = true;
      } else if (draft && latestVersion === 0 && stable(have) === stable(want)) publish = true;
      if (publish) {
        const { version } = await this.forms.publish(f.key, lang, p?.id ?? null, c);
        changes.push(`form ${f.key} published v${version}`);
      }
    }

    // ---- roles: missing ones are created (assigned to nobody); an existing role is never changed —
    // what a role may do is the security administrator's decision — its difference is reported instead.
    const admin = this.service(AdminService);
    const packObjects = new Set(bundle.objects.map((o) => o.key));
    for (const r of bundle.roles) {
      const { rows } = await c.query<{ permissions: Permission[]; platform: string[] }>('SELECT permissions, platform FROM crm.roles WHERE key = $1', [r.key]);
      if (!rows[0]) {
        await admin.createRole({ key: r.key, name: r.name, description: r.description, permissions: r.permissions, platform: r.platform });
        changes.push(`role ${r.key}`);
      } else if (setUpRoles && roleDifference(r, rows[0], packObjects)) {
        await admin.updateRole(r.key, mergedRole(r, rows[0], packObjects));
        changes.push(`role ${r.key} (set up)`);
      }
    }
    const roleDifferences = await this.roleDifferences(bundle, c);

    // ---- seed records, matched on their business key
    const records = this.service(RecordsService);
    for (const group of bundle.records) {
      const o = (await this.meta.current()).objects.get(group.object);
      if (!o) continue; // the bank deleted the pack's object: its seed records go with it
      for (const item of group.items) {
        const values: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(item)) if (o.byKey.has(k)) values[k] = v;
        const found = await records.query(group.object, { filter: { [group.key]: values[group.key] }, limit: 1 }, null);
        const cur = found.items[0];
        const canon = (from: Record<string, unknown>) => recordCanon(o.byKey, Object.keys(values), from);
        if (!judge(partKey.record(group.object, values[group.key]), cur ? canon(cur) : null, canon(values))) continue;
        if (!cur) {
          await records.create(group.object, values, null, { lang, client: c });
          changes.push(`${group.object} ${String(values[group.key])}`);
          continue;
        }
        const diff = Object.keys(values).filter((k) => !sameValue(o.byKey.get(k), values[k], cur[k]));
        const change: Record<string, unknown> = { version: cur.version };
        for (const k of diff) change[k] = values[k];
        await records.patch(group.object, String(cur.id), change, null, { lang, client: c });
        changes.push(`${group.object} ${String(values[group.key])} (updated)`);
      }
    }

    // ---- decision tables and processes: a new version only when the pack's file differs from the latest
    const defs = this.service(DefinitionsService);
    for (const rel of bundle.decisions) {
      const xml = files.get(rel)!;
      const dkey = await decisionKey(xml);
      // DefinitionsService has no read of a decision's XML: compare with the latest row directly.
      const { rows } = await c.query<{ xml: string }>('SELECT xml FROM crm.wf_decisions WHERE key = $1 ORDER BY version DESC LIMIT 1', [dkey]);
      if (!judge(partKey.decision(dkey), rows[0]?.xml ?? null, xml)) continue;
      const d = await defs.deployDecision(who, xml);
      changes.push(`decision ${d.key} v${d.version}`);
    }
    for (const proc of bundle.processes) {
      // What deploy would store: a file without a diagram is compared (and deployed) laid out.
      const xml = (await ensureDiagram(files.get(proc.file)!)).xml;
      let current: string | null = null;
      try {
        current = await defs.xml(proc.key);
      } catch (err) {
        if (!(err instanceof AppError) || err.status !== 404) throw err;
      }
      if (!judge(partKey.process(proc.key), current, xml)) continue;
      const d = await defs.deploy(who, { key: proc.key, bpmnXml: xml });
      changes.push(`process ${d.key} v${d.version}`);
    }

    // ---- triggers (a trigger is there or not: one the bank removed is not added again)
    const triggers = this.service(TriggersService);
    const have = (await triggers.list()).items;
    for (const t of bundle.triggers) {
      const want = triggerCanon(t);
      const exists = have.some((x) => x.processKey === t.processKey && x.object === t.object && x.on === t.on && (x.condition ?? null) === want.condition);
      if (!judge(partKey.trigger(t), exists ? want : null, want)) continue;
      await triggers.create(who, t);
      changes.push(`trigger ${t.object}.${t.on} → ${t.processKey}`);
    }

    // ---- reports, then the dashboards over them: a new version only when the pack's definition differs
    const reports = this.service(ReportsService);
    for (const raw of bundle.reports ?? []) {
      const want = ReportBody.parse(raw);
      const cur = await reports.definition(want.key);
      if (!judge(partKey.report(want.key), cur ? definitionCanon(cur) : null, definitionCanon(want))) continue;
      if (!cur) {
        await reports.save(want, p, lang);
        changes.push(`report ${want.key}`);
      } else {
        const { key: _k, ...rest } = want;
        await reports.change(want.key, { description: null, filter: null, sort: null, limit: null, pivot: null, chart: null, ...rest }, p, lang);
        changes.push(`report ${want.key} (updated)`);
      }
    }
    const dashboards = this.service(DashboardsService);
    for (const raw of bundle.dashboards ?? []) {
      const want = DashboardBody.parse(raw);
      const cur = await dashboards.definition(want.key);
      if (!judge(partKey.dashboard(want.key), cur ? definitionCanon(cur) : null, definitionCanon(want))) continue;
      if (!cur) {
        await dashboards.create(want, p, lang);
        changes.push(`dashboard ${want.key}`);
      } else {
        const { key: _k, ...rest } = want;
        await dashboards.update(want.key, { description: null, ...rest }, p, lang);
        changes.push(`dashboard ${want.key} (updated)`);
      }
    }

    // ---- insight models: installed when missing (training and scoring are the bank's to start)
    const models = this.service(ModelsService);
    for (const raw of bundle.models ?? []) {
      const want = ModelBody.parse(raw);
      if (await models.install(want)) changes.push(`model ${want.key}`);
    }

    // ---- sample campaigns: drafts, created once (the bank plans, changes and launches them)
    for (const raw of bundle.campaigns ?? []) {
      if (await this.service(CampaignsService).installSample(c, raw, p)) changes.push(`campaign ${String(raw.key)}`);
    }

    // ---- journeys: created and activated when missing; one the bank changed or paused is left as it is
    const journeys = this.service(JourneysService);
    for (const raw of bundle.journeys ?? []) {
      const want = JourneyBody.parse(raw);
      if (await journeys.exists(c, want.key)) continue;
      await journeys.create(who, want);
      await journeys.activate(who, want.key);
      changes.push(`journey ${want.key}`);
    }

    // ---- what is installed, and what the pack installed part by part
    if (!state || state.version !== bundle.version || changes.length) {
      await c.query(
        `INSERT INTO crm.settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [`template:${bundle.key}`, JSON.stringify({ version: bundle.version, installedAt: new Date().toISOString() })],
      );
    }
    await saveBaseline(c, bundle.key, bundle.version, ledger.installed);
    await replaceConflicts(c, bundle.key, ledger.conflicts);
    const conflicts = ledger.conflicts.filter((x) => x.reason !== 'deleted_by_bank');
    const skipped = ledger.conflicts.filter((x) => x.reason === 'deleted_by_bank').map((x) => x.part);
    if (changes.length || roleDifferences.length || ledger.conflicts.length || migrated.length || state?.version !== bundle.version) {
      await this.audit.record(
        {
          action: 'template.install', object: 'template', recordId: bundle.key,
          data: { version: bundle.version, from: state?.version ?? null, changes, roleDifferences, migrations: migrated, kept, conflicts: conflicts.map((x) => ({ part: x.part, reason: x.reason })), skipped },
        },
        c,
      );
      this.logger.info({ template: bundle.key, version: bundle.version, changes: changes.length, roleDifferences: roleDifferences.length, conflicts: conflicts.length, skipped: skipped.length }, 'template installed');
    }
    return { key: bundle.key, version: bundle.version, changed: changes.length > 0, changes, roleDifferences, migrations: migrated, kept, conflicts, skipped };
  }
}
