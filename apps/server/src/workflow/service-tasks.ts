/**
 * Service task types (`crm:type`) run by the job executor. A handler gets the task's input (its input
 * mappings, or every visible variable) and returns variables; throwing BpmnError raises a BPMN error
 * the model may catch, any other error is a technical failure that is retried and then an incident.
 * More types are added with `register` (solution packs contribute theirs through the pack registry).
 */
import { Inject, Injectable } from '@nestjs/common';
import { Db } from '../database/db.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

export class BpmnError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BpmnError';
  }
}

export interface ServiceContext {
  instanceId: string;
  activityId: string;
  jobId: string;
  db: Db;
  /** The user whose step triggered this service (null: the platform); a service that writes records acts as them. */
  actor: { id: string; username: string } | null;
  /** The technical role (`crm:runAs`) the model declares for this service, if any. */
  runAs?: string;
}

export type ServiceHandler = (input: Record<string, unknown>, ctx: ServiceContext) => Promise<Record<string, unknown>>;

const HTTP_TIMEOUT_MS = 10000;

@Injectable()
export class ServiceTaskRegistry {
  private readonly handlers = new Map<string, ServiceHandler>();
  /** Origins the `http` type may call (CRM_WORKFLOW_HTTP_ALLOW, comma separated); empty: none. */
  readonly httpAllow: string[];

  constructor(
    private readonly db: Db,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.httpAllow = config.workflowHttpAllow;
    this.register('noop', async () => ({}));
    this.register('set-variables', async (input) => ({ ...input }));
    this.register('round-robin-assign', (input) => roundRobin(this.db, input));
    this.register('http', (input) => this.http(input));
    // For trying out retries, incidents and error boundaries; off unless CRM_WORKFLOW_TEST_SERVICES=1.
    if (config.workflowTestServices) this.register('fail', async (input) => {
      if (input.shouldFail === false) return {};
      if (typeof input.errorCode === 'string') throw new BpmnError(input.errorCode, String(input.message ?? input.errorCode));
      throw new Error(String(input.message ?? 'service failed'));
    });
  }

  register(type: string, handler: ServiceHandler): void {
    this.handlers.set(type, handler);
  }

  get(type: string): ServiceHandler | undefined {
    return this.handlers.get(type);
  }

  types(): string[] {
    return [...this.handlers.keys()].sort();
  }

  private async http(input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const raw = String(input.url ?? '');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new BpmnError('HTTP_BAD_URL', `not a URL: ${raw.slice(0, 200)}`);
    }
    if (!this.httpAllow.includes(url.origin)) throw new BpmnError('HTTP_NOT_ALLOWED', `${url.origin} is not in CRM_WORKFLOW_HTTP_ALLOW`);
    const method = String(input.method ?? 'GET').toUpperCase();
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...((input.headers as Record<string, string>) ?? {}) },
      ...(input.body !== undefined && method !== 'GET' ? { body: JSON.stringify(input.body) } : {}),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      redirect: 'error',
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text */
    }
    if (res.status >= 500) throw new Error(`HTTP ${res.status} from ${url.origin}`);
    return { [String(input.resultVariable ?? 'response')]: { status: res.status, body } };
  }
}

/**
 * Picks the next active user (by user name order) holding `role` within `orgUnit` (id or code,
 * subtree included) after the one picked last time; the cursor row is locked so concurrent picks differ.
 */
async function roundRobin(db: Db, input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const role = String(input.role ?? '');
  const unit = input.orgUnit === undefined || input.orgUnit === null ? '' : String(input.orgUnit);
  const out = String(input.resultVariable ?? 'assignee');
  if (!role) throw new BpmnError('ROUND_ROBIN_NO_ROLE', 'round-robin-assign needs a role');
  return db.tx(async (c) => {
    await c.query(`INSERT INTO crm.wf_round_robin (role, org_unit, last_username) VALUES ($1, $2, '') ON CONFLICT DO NOTHING`, [role, unit]);
    const { rows: cur } = await c.query<{ last_username: string }>('SELECT last_username FROM crm.wf_round_robin WHERE role = $1 AND org_unit = $2 FOR UPDATE', [role, unit]);
    const { rows: users } = await c.query<{ username: string }>(
      `SELECT u.username FROM crm.users u LEFT JOIN crm.org_units ou ON ou.id = u.org_unit_id
       WHERE NOT u.disabled AND $1 = ANY(u.roles)
         AND ($2 = '' OR EXISTS (SELECT 1 FROM crm.org_units t WHERE (t.id::text = $2 OR t.code = $2) AND t.id = ANY(ou.path)))
       ORDER BY u.username LIMIT 500`,
      [role, unit],
    );
    if (!users.length) throw new BpmnError('ROUND_ROBIN_NO_USER', `no user with role ${role} in ${unit || 'any unit'}`);
    const last = cur[0]?.last_username ?? '';
    const next = users.find((u) => u.username > last) ?? users[0]!;
    await c.query('UPDATE crm.wf_round_robin SET last_username = $3 WHERE role = $1 AND org_unit = $2', [role, unit, next.username]);
    return { [out]: next.username };
  });
}
