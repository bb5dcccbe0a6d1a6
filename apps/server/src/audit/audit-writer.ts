/**
 * The one audit writer: how an entry becomes a row of crm.audit_log (actor, client address and
 * request id from the request context unless the entry names the actor) and the SQL that inserts
 * it — on its own (AuditService.record, in the ambient transaction), folded into a writer's
 * statement as VALUES (a record write's CTE) or as a set of rows (a workflow step's CTE). The
 * sealer chains whatever this writes, so every path gives the same columns the same way.
 */
import { RequestContext } from '../common/request-context.js';

export interface AuditEntry {
  action: string;
  object?: string | null;
  recordId?: string | null;
  outcome?: 'success' | 'failure' | 'denied';
  data?: Record<string, unknown>;
  /** Defaults to the current request's principal. */
  actorId?: string | null;
  actorName?: string | null;
}

export interface AuditRow {
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  object: string | null;
  record_id: string | null;
  outcome: 'success' | 'failure' | 'denied';
  ip: string | null;
  request_id: string | null;
  data: Record<string, unknown>;
}

export const AUDIT_COLUMNS = 'actor_id, actor_name, action, object, record_id, outcome, ip, request_id, data';

/** The row of an entry, with the request's facts filled in. */
export function auditRow(entry: AuditEntry): AuditRow {
  const ctx = RequestContext.current();
  return {
    actor_id: entry.actorId !== undefined ? entry.actorId : (ctx?.principal?.id ?? null),
    actor_name: entry.actorName !== undefined ? entry.actorName : (ctx?.principal?.username ?? null),
    action: entry.action,
    object: entry.object ?? null,
    record_id: entry.recordId ?? null,
    outcome: entry.outcome ?? 'success',
    ip: ctx?.ip ?? null,
    request_id: ctx?.requestId ?? null,
    data: entry.data ?? {},
  };
}

/**
 * VALUES of one entry with its parameters numbered from `first` (for a single INSERT or a writer's CTE).
 * `data` may wrap the data column's SQL (a writer's CTE setting values only the statement knows).
 */
export function auditInsertParts(entry: AuditEntry, first: number, data: (sql: string) => string = (sql) => sql): { columns: string; values: string; params: unknown[] } {
  const r = auditRow(entry);
  const n = (i: number) => `$${first + i}`;
  return {
    columns: AUDIT_COLUMNS,
    values: `${n(0)}::uuid, ${n(1)}, ${n(2)}, ${n(3)}, ${n(4)}, ${n(5)}, ${n(6)}, ${n(7)}, ${data(`${n(8)}::jsonb`)}`,
    params: [r.actor_id, r.actor_name, r.action, r.object, r.record_id, r.outcome, r.ip, r.request_id, JSON.stringify(r.data)],
  };
}

/** An INSERT of several rows as a data-modifying CTE body; `bind` adds a parameter and returns its placeholder. */
export function auditInsertRowsSql(rows: AuditRow[], bind: (v: unknown) => string): string {
  const json = rows.map((a) => ({ ai: a.actor_id, an: a.actor_name, ac: a.action, o: a.object, r: a.record_id, oc: a.outcome, ip: a.ip, q: a.request_id, d: a.data }));
  return `INSERT INTO crm.audit_log (${AUDIT_COLUMNS})
      SELECT x.ai, x.an, x.ac, x.o, x.r, x.oc, x.ip, x.q, x.d FROM jsonb_to_recordset(${bind(JSON.stringify(json))}::jsonb)
        AS x(ai uuid, an text, ac text, o text, r text, oc text, ip text, q text, d jsonb)`;
}
