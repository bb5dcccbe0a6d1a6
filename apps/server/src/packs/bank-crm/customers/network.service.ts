/**
 * The relationship network around a customer. Relationship rows are walked and shaped as the
 * caller's role allows: the walk needs from/to in clear (a role that sees them masked or not at all
 * gets the root alone), and every field of an edge — from, to and type included — follows the
 * role's field mode and masks like any record read.
 */
import { Injectable } from '@nestjs/common';
import type { CustomerNetwork, NetworkEdge, NetworkNode, RecordData } from '@crm/shared';
import { Db } from '../../../database/db.js';
import { AppError } from '../../../common/app-error.js';
import { AccessService } from '../../../access/access.service.js';
import type { Principal } from '../../../auth/principal.js';
import { MetadataService } from '../../../metadata/metadata.service.js';
import { isEncrypted, quoteIdent } from '../../../metadata/field-types.js';
import { RecordsService } from '../../../records/records.service.js';
import { ScopedReader } from '../../../records/scoped-reader.js';
import { packConfig, packObject } from './bank-pack.js';
import { customerOrFail } from './customer-reads.js';

export const MAX_DEPTH = 4;
export const MAX_NODES = 300;
const MAX_EDGES = 2000;
/** Field modes under which a value leaves the server unchanged. */
const CLEAR = new Set(['read', 'write']);

/** A relationship network as the caller may see it (the pack contract's shape). */
export type Network = CustomerNetwork;

@Injectable()
export class NetworkService {
  constructor(
    private readonly db: Db,
    private readonly meta: MetadataService,
    private readonly records: RecordsService,
    private readonly access: AccessService,
    private readonly reader: ScopedReader,
  ) {}

  /**
   * Customers reachable from `id` over relationships the caller may read, up to `depth` (≤ 4) hops
   * and MAX_NODES nodes, by one recursive query. Nodes the caller may not read are returned without
   * any field (`restricted: true`), so the shape of the network shows but not who is in it.
   */
  async network(id: string, depth: number, p: Principal): Promise<Network> {
    const cfg = packConfig();
    const r = cfg.relationship;
    const rel = await packObject(this.meta, r.object, [r.from, r.to, r.type]);
    const cust = await packObject(this.meta, cfg.customer);
    const root = await customerOrFail(this.records, id, p);
    const d = Math.max(1, Math.min(MAX_DEPTH, Math.trunc(depth) || 1));
    const acc = await this.access.forObject(p, rel.key);
    // Who is linked to whom is the content of from/to: without them in clear there is nothing to walk.
    const walkable = acc.can('read') && CLEAR.has(acc.fieldMode(r.from)) && CLEAR.has(acc.fieldMode(r.to)) && (acc.unmask || (!sensitive(rel.byKey.get(r.from)) && !sensitive(rel.byKey.get(r.to))));
    if (!walkable) return { root: id, depth: d, nodes: [this.node(root, cust.titleField, 0)], edges: [], truncated: false, restricted: true };
    const A = quoteIdent(r.from);
    const B = quoteIdent(r.to);
    // Relationships come from the scoped reader: live rows within the caller's row scope only.
    const params: unknown[] = [id, d];
    const walk = await this.reader.source(rel.key, p, 'read', params);
    params.push(MAX_NODES + 1);
    const nodeRows = await this.db.query<{ node: string; depth: number }>(
      `WITH RECURSIVE walk(node, depth) AS (
         SELECT $1::uuid, 0
         UNION
         SELECT nxt.node, w.depth + 1 FROM walk w
         CROSS JOIN LATERAL (
           SELECT t.${B} AS node FROM ${walk.sql} WHERE t.${A} = w.node
           UNION
           SELECT t.${A} AS node FROM ${walk.sql} WHERE t.${B} = w.node
         ) nxt
         WHERE w.depth < $2::int
       )
       SELECT node::text AS node, min(depth)::int AS depth FROM walk GROUP BY node ORDER BY min(depth), node LIMIT $${params.length}`,
      params,
    );
    const truncated = nodeRows.length > MAX_NODES;
    const nodes = nodeRows.slice(0, MAX_NODES);
    const ids = nodes.map((n) => n.node);
    const eparams: unknown[] = [ids];
    const links = await this.reader.source(rel.key, p, 'read', eparams);
    eparams.push(MAX_EDGES);
    const edgeRows = await this.db.query(
      `SELECT t.* FROM ${links.sql} WHERE t.${A} = ANY($1::uuid[]) AND t.${B} = ANY($1::uuid[]) ORDER BY t.created_at, t.id LIMIT $${eparams.length}`,
      eparams,
    );
    // Encrypted fields are never decrypted here; every other field follows the caller's mode and masks.
    const plain = rel.fields.filter((f) => !isEncrypted(f));
    const edges = edgeRows.map((row) => {
      const { view } = this.reader.view(rel, acc, row, plain);
      // Relation ends are ids and the type a choice value: strings (or null) as the record codec presents them.
      const out: NetworkEdge = { id: view.id };
      if (r.from in view) out.from = view[r.from] as string | null;
      if (r.to in view) out.to = view[r.to] as string | null;
      if (r.type in view) out.type = view[r.type] as string | null;
      for (const f of plain) if (![r.from, r.to, r.type].includes(f.key) && f.key in view) out[f.key] = view[f.key];
      return out;
    });
    // The customers themselves, as the caller may see them (masking and scope of the customer object).
    const visible = new Map<string, RecordData>();
    for (let i = 0; i < ids.length; i += 250) {
      const page = await this.records.query(cust.key, { filter: { id: { $in: ids.slice(i, i + 250) } }, limit: 250 }, p).catch((err) => {
        if (err instanceof AppError && err.status === 403) return { items: [] as RecordData[] };
        throw err;
      });
      for (const x of page.items) visible.set(String(x.id), x);
    }
    return {
      root: id,
      depth: d,
      nodes: nodes.map((n) => {
        const rec = visible.get(n.node);
        return rec ? this.node(rec, cust.titleField, n.depth) : { id: n.node, depth: n.depth, restricted: true };
      }),
      edges,
      truncated,
    };
  }

  /** A customer as a node; the values are the presented record's (text, choices and a flag, masked as the caller sees them). */
  private node(rec: RecordData, titleField: string | null, depth: number): NetworkNode {
    const cfg = packConfig();
    const text = (v: unknown) => (v ?? null) as string | null;
    return {
      id: rec.id,
      depth,
      // A title field the caller may not see stays absent, as in the record itself.
      name: titleField ? (rec[titleField] as string | null | undefined) : null,
      customerType: text(rec.customer_type),
      riskLevel: text(rec.risk_level),
      inGuaranteeCircle: (rec[cfg.circle.flag] ?? null) as boolean | null,
      guaranteeCircle: text(rec[cfg.circle.id]),
    };
  }
}

function sensitive(f: { sensitivity?: number | null } | undefined): boolean {
  return (f?.sensitivity ?? 0) >= 3;
}
