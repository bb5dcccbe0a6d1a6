/**
 * The rows a report reads: its object's live rows within the caller's row scope (from the scoped
 * reader), joined through relation fields to the objects they reach — each of those again only the
 * rows the caller may read. Resolves a field path (`customer.owner_id`) to its SQL column, with the
 * caller's field mode, so the compiler can refuse what the caller may not see.
 */
import type { FieldDef, Lang } from '@crm/form-engine';
import { maskShape, pickText } from '@crm/form-engine';
import type { ObjectAccess } from '../access/access.service.js';
import type { FieldMode } from '../access/permission.types.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../common/app-error.js';
import { comparableOf, isEncrypted, quoteIdent } from '../metadata/field-types.js';
import type { MetadataService } from '../metadata/metadata.service.js';
import type { ObjectMeta } from '../metadata/metadata.types.js';
import type { ColumnInfo } from '../records/filter-compiler.js';
import { isSystemRead, type ScopedReader, type SystemRead } from '../records/scoped-reader.js';
import { reportProblem } from './reports.messages.js';
import type { ReportSourceRegistry } from './report-source-registry.js';

/** One object in the statement: the root (alias t) or one reached through a relation path. */
export interface SourceNode {
  alias: string;
  o: ObjectMeta;
  acc: ObjectAccess;
  /** Labels of the relation fields that lead here, for column labels. */
  labels: string[];
}

/** A resolved field path. */
export interface ResolvedField {
  path: string;
  node: SourceNode;
  /** The column, qualified by its source's alias. */
  sql: string;
  /** The field type (`user` for owner_id, `datetime` for created_at, …). */
  type: string;
  field: FieldDef | null;
  mode: FieldMode;
  encrypted: boolean;
  label: string;
}

const MAX_HOPS = 4;

/** System columns a report may use, with the field type they behave as. */
export const SYSTEM_FIELDS: Record<string, { type: string; label: { 'zh-CN': string; en: string } }> = {
  id: { type: 'id', label: { 'zh-CN': '编号', en: 'ID' } },
  created_at: { type: 'datetime', label: { 'zh-CN': '创建时间', en: 'Created at' } },
  updated_at: { type: 'datetime', label: { 'zh-CN': '更新时间', en: 'Updated at' } },
  created_by: { type: 'user', label: { 'zh-CN': '创建人', en: 'Created by' } },
  owner_id: { type: 'user', label: { 'zh-CN': '负责人', en: 'Owner' } },
  org_unit_id: { type: 'org_unit', label: { 'zh-CN': '所属机构', en: 'Org unit' } },
};

export class ReportSources {
  private readonly joins: string[] = [];
  private readonly nodes = new Map<string, SourceNode>();
  /** The org unit joined for an org-unit column (by its SQL), for org-tree levels. */
  private readonly units = new Map<string, string>();
  readonly objects = new Set<string>();

  private constructor(
    private readonly reader: ScopedReader,
    private readonly meta: MetadataService,
    private readonly who: Principal | SystemRead,
    readonly params: unknown[],
    private readonly lang: Lang,
    readonly rootSql: string,
    readonly root: SourceNode,
  ) {
    this.nodes.set('', root);
    this.objects.add(root.o.key);
  }

  /** The report's object as the caller may read it (403 without the read action). */
  static async open(reader: ScopedReader, meta: MetadataService, objectKey: string, who: Principal | SystemRead, params: unknown[], lang: Lang, registry?: ReportSourceRegistry, rollupTable?: string): Promise<ReportSources> {
    // A registered source (campaign members) brings its own rows and row scope; relation paths from it join objects as usual.
    // An object's rollup when asked for and the caller's scope is said at its grain, else the records.
    const provider = registry?.get(objectKey);
    const rolled = !provider && rollupTable ? await reader.rollupSource(objectKey, rollupTable, who, params, 't') : null;
    const src = provider ? await provider.source(who, params, 't') : (rolled ?? (await reader.source(objectKey, who, 'read', params, 't')));
    if (!isSystemRead(who) && !src.acc.can('read')) throw new AppError(403, 'records.forbidden_action', { object: objectKey, action: 'read' });
    const out = new ReportSources(reader, meta, who, params, lang, src.sql, { alias: 't', o: src.o, acc: src.acc, labels: [] });
    out.rolled = !!rolled;
    return out;
  }

  /** Whether the root is the object's rollup (rows per org unit × owner) rather than its records. */
  rolled = false;

  /** FROM … LEFT JOIN … of every object the resolved paths reach. */
  fromSql(): string {
    return [this.rootSql, ...this.joins].join(' ');
  }

  /**
   * The org unit at `levelSql` (a bound depth) of the org tree above an org-unit column of a source:
   * the unit row is joined once per column, so the level is read from a hash join rather than looked up
   * once per row by a correlated subquery (what made a scoped pivot over holdings slow).
   */
  orgLevel(columnSql: string, levelSql: string): string {
    let alias = this.units.get(columnSql);
    if (!alias) {
      alias = `ou${this.units.size}`;
      this.units.set(columnSql, alias);
      this.joins.push(`LEFT JOIN crm.org_units ${quoteIdent(alias)} ON ${quoteIdent(alias)}.id = ${columnSql}`);
    }
    return `${quoteIdent(alias)}.path[${levelSql}]`;
  }

  private unknown(path: string, where: string): AppError {
    return reportProblem(where, 'unknown_field', { 'zh-CN': `未知字段 ${path}`, en: `unknown field ${path}` });
  }

  /** The object reached through the relation fields `hops` (joined once per path). */
  private async nodeAt(hops: string[], path: string, where: string): Promise<SourceNode> {
    let node = this.nodes.get('')!;
    for (let i = 0; i < hops.length; i++) {
      const prefix = hops.slice(0, i + 1).join('.');
      const known = this.nodes.get(prefix);
      if (known) {
        node = known;
        continue;
      }
      const f = node.o.byKey.get(hops[i]!);
      const mode = f ? node.acc.fieldMode(f.key) : 'none';
      // A hop needs a plain relation the caller reads in clear, into an object they may read.
      if (!f || f.type !== 'relation' || !f.target || isEncrypted(f) || (mode !== 'read' && mode !== 'write')) throw this.unknown(path, where);
      const alias = `j${this.nodes.size}`;
      const target = await this.reader.source(f.target, this.who, 'read', this.params, alias);
      if (!isSystemRead(this.who) && !target.acc.can('read')) throw this.unknown(path, where);
      this.joins.push(`LEFT JOIN ${target.sql} ON ${quoteIdent(alias)}.id = ${quoteIdent(node.alias)}.${quoteIdent(f.key)}`);
      node = { alias, o: target.o, acc: target.acc, labels: [...node.labels, pickText(f.label, this.lang) || f.key] };
      this.nodes.set(prefix, node);
      this.objects.add(target.o.key);
    }
    return node;
  }

  /** A field path as the caller may use it, or 400 unknown field (no such field, mode `none`, an unreadable hop). */
  async resolve(path: string, where: string): Promise<ResolvedField> {
    const parts = path.split('.');
    if (parts.length > MAX_HOPS + 1 || parts.some((p) => !/^[a-z][a-z0-9_]{0,62}$/.test(p))) throw this.unknown(path, where);
    const node = await this.nodeAt(parts.slice(0, -1), path, where);
    const last = parts[parts.length - 1]!;
    const col = `${quoteIdent(node.alias)}.${quoteIdent(last)}`;
    const prefix = node.labels.length ? node.labels.join(' / ') + ' / ' : '';
    const system = SYSTEM_FIELDS[last];
    if (system) return { path, node, sql: col, type: system.type, field: null, mode: 'read', encrypted: false, label: prefix + system.label[this.lang] };
    const f = node.o.byKey.get(last);
    const given = f ? node.acc.fieldMode(f.key) : 'none';
    if (!f || given === 'none') throw this.unknown(path, where);
    // A field masked by type (a mask shape) reads as masked without unmask, whatever the mode.
    const mode = maskShape(f) && !node.acc.unmask ? 'masked' : given;
    return { path, node, sql: col, type: f.type, field: f, mode, encrypted: isEncrypted(f), label: prefix + (pickText(f.label, this.lang) || f.key) };
  }

  /** The filter columns of a path (what the records filter compiler accepts), or undefined when the caller may not filter on it. */
  async filterColumn(path: string, where: string): Promise<ColumnInfo | undefined> {
    const parts = path.split('.');
    if (parts.length > MAX_HOPS + 1) throw this.unknown(path, where);
    const node = await this.nodeAt(parts.slice(0, -1), path, where);
    const col = this.reader.columns(node.o, isSystemRead(this.who) ? null : node.acc, node.alias).get(parts[parts.length - 1]!);
    return col && { ...col, key: path };
  }
}

/** How a resolved field compares in filters (`text` for what has no type rule). */
export function comparableOfField(r: ResolvedField): ColumnInfo['comparable'] {
  if (r.type === 'id' || r.type === 'user' || r.type === 'org_unit') return 'uuid';
  if (r.type === 'datetime') return 'timestamp';
  return comparableOf(r.type);
}
