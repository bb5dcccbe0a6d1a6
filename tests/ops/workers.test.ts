/**
 * CRM_WORKERS=2: one server, two HTTP worker processes behind one port (node:cluster). Keep-alive
 * connections pinned to each worker (each identified by `crm_process_info{pid}` in /metrics, every
 * later request checked to ride the same socket) show that both serve; that a role, a user or the
 * metadata changed through one worker is in force on the other on the very next request (the
 * answer waits until the other workers applied the change; LISTEN/NOTIFY carries changes made
 * anywhere else); that timers fire exactly once with two processes polling; that killing a
 * worker loses no acknowledged request and the worker is replaced; and that SIGTERM drains both.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { freePort, runServerToExit, startServer, TEST_DATA_KEY, TEST_SECRET, type TestServer } from '../harness/server.js';
import { login } from '../harness/http.js';
import { withClient } from '../harness/db.js';
import { until } from '../harness/until.js';
import { chain } from '../api/workflow-bpmn.js';

interface Answer {
  status: number;
  body: any;
}

/** One keep-alive connection to the server; every request must go out on that same socket. */
class Pinned {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private socket: Socket | null = null;
  pid = 0;

  constructor(private readonly port: number) {}

  request(method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, agent: this.agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json' } : {}) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => {
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : null;
            } catch {
              /* not JSON (metrics) */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('socket', (s: Socket) => {
        if (this.socket && s !== this.socket) reject(new Error('the pinned connection was replaced: the answer may come from another worker'));
        this.socket ??= s;
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  async identify(): Promise<number> {
    const m = await this.request('GET', '/metrics');
    this.pid = pidIn(String(m.body));
    return this.pid;
  }

  close(): void {
    this.agent.destroy();
  }
}

function pidIn(metrics: string): number {
  const m = /^crm_process_info\{pid="(\d+)",worker="(\d+)"\} 1$/m.exec(metrics);
  if (!m) throw new Error('no crm_process_info in /metrics');
  return Number(m[1]);
}

function timerJobsDone(metrics: string): number {
  const m = /^crm_workflow_jobs_total\{kind="timer",outcome="done"\} (\d+)$/m.exec(metrics);
  return m ? Number(m[1]) : 0;
}

/** One POST on a new connection: its status, or 0 when the connection failed or gave no answer in 10 s. */
function postOnce(port: number, path: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent: false, timeout: 10000, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(JSON.stringify(body));
  });
}

/** The parent pid of a process (Linux /proc). */
const parentOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);

/** New connections until one lands on each of `count` distinct workers; the others are closed. */
async function pinEachWorker(port: number, count: number): Promise<Pinned[]> {
  const byPid = new Map<number, Pinned>();
  await until(
    async () => {
      const p = new Pinned(port);
      const pid = await p.identify().catch(() => 0);
      if (pid && !byPid.has(pid)) byPid.set(pid, p);
      else p.close();
      return byPid.size >= count;
    },
    { ms: 60000, everyMs: 20, what: () => `connections to ${count} distinct workers (saw ${[...byPid.keys()].join(', ') || 'none'})` },
  );
  return [...byPid.values()];
}

const FAST = { CRM_WORKERS: '2', CRM_JOB_POLL_MS: '50', CRM_JOB_LEASE_MS: '2000', CRM_SHUTDOWN_TIMEOUT_MS: '10000' };
let srv: TestServer;
const pins: Pinned[] = [];

afterAll(async () => {
  for (const p of pins) p.close();
  await srv?.stop().catch(() => undefined);
});

describe('CRM_WORKERS=2', () => {
  let a: Pinned;
  let b: Pinned;

  it('serves one port from two worker processes of the server', async () => {
    srv = await startServer({ env: FAST, timeoutMs: 120000 });
    [a, b] = await pinEachWorker(srv.port, 2);
    pins.push(a!, b!);
    expect(a!.pid).not.toBe(b!.pid);
    expect([a!.pid, b!.pid]).not.toContain(srv.proc.pid);
    // Both are children of the process the harness started (the cluster primary).
    expect(parentOf(a!.pid)).toBe(srv.proc.pid);
    expect(parentOf(b!.pid)).toBe(srv.proc.pid);
    // Each keeps answering on its own connection.
    for (const p of [a!, b!]) {
      expect(await p.identify()).toBe(p.pid);
      expect((await p.request('GET', '/api/health')).body).toMatchObject({ status: 'ok', db: 'ok' });
    }
  }, 180000);

  it('a role, a user and the metadata changed through one worker are in force on the other at once', async () => {
    const analyst = await login(srv.baseUrl, 'analyst');
    const security = await login(srv.baseUrl, 'security');
    const admin = await login(srv.baseUrl, 'admin');
    const rm = await login(srv.baseUrl, 'rm');
    expect((await a.request('POST', '/api/meta/objects', analyst, { key: 'wk_note', label: '便签', fields: [{ key: 'title', label: '标题', type: 'text' }] })).status).toBe(201);
    // The object exists on B too (B never saw it before this request).
    expect((await b.request('POST', '/api/records/wk_note', analyst, { title: 'first' })).status).toBe(201);

    const base = (await a.request('GET', '/api/admin/roles/rm', security)).body.permissions as unknown[];
    const withNotes = [...base, { object: 'wk_note', actions: ['read'], scope: 'all' }];
    // B has the rm role's grants cached (a refused read), then A grants and revokes, back and forth.
    expect((await b.request('GET', '/api/records/wk_note', rm)).status).toBe(403);
    for (let round = 0; round < 3; round++) {
      expect((await a.request('PATCH', '/api/admin/roles/rm', security, { permissions: withNotes })).status).toBe(200);
      const granted = await b.request('GET', '/api/records/wk_note', rm);
      expect(granted.status).toBe(200);
      expect(granted.body.items.map((r: { title: string }) => r.title)).toContain('first');
      expect((await a.request('PATCH', '/api/admin/roles/rm', security, { permissions: base })).status).toBe(200);
      expect((await b.request('GET', '/api/records/wk_note', rm)).status).toBe(403);
    }
    // A change outside any request (here straight in the database) reaches both through NOTIFY alone:
    // well within the 60 s an entry may otherwise live while notifications flow.
    expect((await b.request('GET', '/api/records/wk_note', rm)).status).toBe(403);
    expect((await a.request('GET', '/api/records/wk_note', rm)).status).toBe(403);
    await withClient(srv.dbUrl, (c) => c.query(`UPDATE crm.roles SET permissions = $1 WHERE key = 'rm'`, [JSON.stringify(withNotes)]));
    for (const p of [a, b]) await until(async () => (await p.request('GET', '/api/records/wk_note', rm)).status === 200, { ms: 5000, everyMs: 50, what: `worker ${p.pid} to hear of the role change` });
    expect((await a.request('PATCH', '/api/admin/roles/rm', security, { permissions: base })).status).toBe(200);

    // A field added through B is writable through A on the next request.
    expect((await a.request('POST', '/api/records/wk_note', analyst, { title: 'x', colour: 'red' })).status).toBe(400);
    expect((await b.request('POST', '/api/meta/objects/wk_note/fields', analyst, { key: 'colour', label: '颜色', type: 'text' })).status).toBe(201);
    expect((await a.request('POST', '/api/records/wk_note', analyst, { title: 'x', colour: 'red' })).status).toBe(201);

    // A user disabled through A is refused by B on the next request (B had the user cached).
    expect((await b.request('GET', '/api/auth/me', rm)).status).toBe(200);
    const rmId = (await b.request('GET', '/api/auth/me', rm)).body.id as string;
    expect((await a.request('PATCH', `/api/admin/users/${rmId}`, admin, { disabled: true })).status).toBe(200);
    expect((await b.request('GET', '/api/auth/me', rm)).status).toBe(401);
    expect((await a.request('GET', '/api/auth/me', rm)).status).toBe(401);
  }, 120000);

  it('fires every timer exactly once with both workers polling', async () => {
    const analyst = await login(srv.baseUrl, 'analyst');
    const xml = chain('wk_timer', [
      '<bpmn:startEvent id="s"/>',
      '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
      '<bpmn:endEvent id="e"/>',
    ]);
    expect((await a.request('POST', '/api/process-definitions', analyst, { bpmnXml: xml })).status).toBe(201);
    const doneBefore = timerJobsDone(String((await a.request('GET', '/metrics')).body)) + timerJobsDone(String((await b.request('GET', '/metrics')).body));
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await (i % 2 ? a : b).request('POST', '/api/process-definitions/wk_timer/start', analyst, {});
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const open = () => withClient(srv.dbUrl, async (c) => (await c.query(`SELECT count(*)::int AS n FROM crm.wf_instances WHERE id = ANY($1::uuid[]) AND status <> 'completed'`, [ids])).rows[0].n as number);
    await until(async () => (await open()) === 0, { ms: 60000, everyMs: 100, what: 'every timer to fire' });
    await withClient(srv.dbUrl, async (c) => {
      const fired = await c.query(`SELECT count(*)::int AS n, count(DISTINCT instance_id)::int AS i FROM crm.wf_history WHERE activity_id = 'wait' AND event = 'end' AND instance_id = ANY($1::uuid[])`, [ids]);
      expect(fired.rows[0]).toEqual({ n: ids.length, i: ids.length });
      expect((await c.query(`SELECT count(*)::int AS n FROM crm.wf_jobs WHERE instance_id = ANY($1::uuid[])`, [ids])).rows[0].n).toBe(0);
    });
    // Across both processes, exactly one successful run per timer job.
    const doneAfter = timerJobsDone(String((await a.request('GET', '/metrics')).body)) + timerJobsDone(String((await b.request('GET', '/metrics')).body));
    expect(doneAfter - doneBefore).toBe(ids.length);
  }, 120000);

  it('a killed worker loses no acknowledged request and is replaced', async () => {
    const analyst = await login(srv.baseUrl, 'analyst');
    const acked: string[] = [];
    let failed = 0;
    let seq = 0;
    let load = true;
    // A fresh connection per request, so the primary spreads them over both workers.
    const loop = async (w: number) => {
      while (load) {
        const title = `k${w}-${seq++}`;
        const status = await postOnce(srv.port, '/api/records/wk_note', analyst, { title });
        if (status === 201) acked.push(title);
        else failed++; // refused, cut off with the worker, or no answer in time: not acknowledged
      }
    };
    const loops = Array.from({ length: 4 }, (_, w) => loop(w));
    await until(() => acked.length >= 30, { ms: 30000, everyMs: 20, what: 'load before the kill' });
    const victim = b.pid;
    process.kill(victim, 'SIGKILL');
    const atKill = acked.length;
    await until(() => acked.length >= atKill + 30, { ms: 60000, everyMs: 20, what: 'load after the kill' });
    load = false;
    await Promise.all(loops);

    process.stdout.write(`killed worker ${victim}: ${atKill} requests acknowledged before, ${acked.length - atKill} after, ${failed} not acknowledged\n`);
    await withClient(srv.dbUrl, async (c) => {
      const rows = await c.query(`SELECT title, count(*)::int AS n FROM crm_data.wk_note WHERE title LIKE 'k%' GROUP BY title`);
      const stored = new Map(rows.rows.map((r: { title: string; n: number }) => [r.title, r.n]));
      for (const t of acked) expect(stored.get(t)).toBe(1);
      // At most the requests cut off mid-flight were written without an answer.
      expect(stored.size - acked.length).toBeLessThanOrEqual(failed);
    });
    // The primary starts a replacement: two live workers again, neither the killed one.
    b.close();
    const fresh = await pinEachWorker(srv.port, 2);
    pins.push(...fresh);
    const pids = fresh.map((p) => p.pid);
    expect(pids).not.toContain(victim);
    expect(pids).toContain(a.pid);
    for (const pid of pids) expect(parentOf(pid)).toBe(srv.proc.pid);
  }, 180000);

  it('SIGTERM drains both workers and the primary exits 0', async () => {
    const pids = (await pinEachWorker(srv.port, 2)).map((p) => {
      pins.push(p);
      return p.pid;
    });
    const exited = new Promise<number | null>((resolve) => srv.proc.once('exit', (code) => resolve(code)));
    srv.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    // No worker outlives the primary.
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  }, 60000);
});

describe('CRM_WORKERS=2 start-up and a lost primary', () => {
  it('a worker that cannot start ends the primary with its exit code and one line', async () => {
    const { code, out } = await runServerToExit({
      PORT: String(await freePort()), DATABASE_URL: 'postgres://crm:pw@127.0.0.1:1/never', CRM_SECRET: TEST_SECRET, CRM_DATA_KEY: TEST_DATA_KEY,
      CRM_DEMO: '1', CRM_DEMO_TEMPLATES: 'none', LOG_LEVEL: 'silent', CRM_WORKERS: '2',
    });
    expect(code).toBe(1);
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^Startup failed: /)]);
  }, 60000);

  it('workers whose primary is killed outright stop instead of serving on alone', async () => {
    const orphaned = await startServer({ env: FAST, timeoutMs: 120000 });
    const mine = await pinEachWorker(orphaned.port, 2);
    const pids = mine.map((p) => p.pid);
    for (const p of mine) p.close();
    try {
      await orphaned.kill('SIGKILL');
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await until(() => pids.every((pid) => !alive(pid)), { ms: 30000, everyMs: 100, what: 'the orphaned workers to stop' });
    } finally {
      await orphaned.stop();
    }
  }, 180000);
});
