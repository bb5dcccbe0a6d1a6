/**
 * The permission matrix: every route × every demo role (and an anonymous caller) against the expected
 * allow / deny of fixtures/permission-matrix.json. Allowed = 2xx or a 4xx other than 401/403 (the
 * requests carry deliberately empty or unknown input); denied = 401 or 403.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startServer, type TestServer } from '../harness/server.js';
import { call, refused } from '../harness/http.js';
import { STATIC_ROUTES } from '../../apps/server/src/openapi/static-routes.js';
import { DEMO_ROLES, setupWorld, type World } from './access-setup.js';

interface Row {
  route: string;
  call?: string;
  body?: unknown;
  public?: boolean;
  allow?: string[] | '*';
}
const matrix = JSON.parse(readFileSync(new URL('./fixtures/permission-matrix.json', import.meta.url), 'utf8')) as { roles: string[]; routes: Row[] };
const CALLERS = [...DEMO_ROLES, 'anonymous'] as const;

function allowed(row: Row, who: string): boolean {
  if (row.public) return true;
  if (who === 'anonymous') return false;
  return row.allow === '*' || (row.allow ?? []).includes(who);
}

describe('permission matrix', () => {
  let srv: TestServer;
  let w: World;
  beforeAll(async () => {
    srv = await startServer();
    w = await setupWorld(srv, { extraUsers: false });
    const form = await w.c.analyst.api.meta.createForm({
      key: 'client_form', object: 'client', title: '客户登记',
      layout: [{ field: 'name' }, { field: 'id_number' }, { field: 'mobile' }, { field: 'note' }],
    });
    expect(form).toMatchObject({ key: 'client_form', latestVersion: 0 });
    expect(await w.c.analyst.api.meta.publishForm('client_form')).toEqual({ version: 1 });
  });
  afterAll(async () => {
    await srv?.stop();
  });

  it('the fixture names the demo roles and covers every documented static route', () => {
    expect(matrix.roles).toEqual([...DEMO_ROLES]);
    const covered = new Set(matrix.routes.map((r) => r.route));
    const missing = STATIC_ROUTES.map((r) => `${r.method.toUpperCase()} ${r.path}`).filter((r) => !covered.has(r));
    expect(missing).toEqual([]);
    // Routes the document marks as needing a platform right must not be open to every role in the fixture.
    for (const r of STATIC_ROUTES.filter((x) => x.right)) {
      const row = matrix.routes.find((x) => x.route === `${r.method.toUpperCase()} ${r.path}`)!;
      expect([row.route, row.allow]).not.toEqual([row.route, '*']);
    }
  });

  it('every route answers every caller as the fixture says', async () => {
    const rmId = (await w.c.rm.api.me()).id;
    const mismatches: string[] = [];
    let checked = 0;
    for (const row of matrix.routes) {
      const [method, path] = row.route.split(' ');
      const target = (row.call ?? path)
        .replaceAll('$object', 'client')
        .replaceAll('$form', 'client_form')
        .replaceAll('$rm', rmId)
        .replaceAll('$uuid', randomUUID());
      if (/[{}$]/.test(target)) throw new Error(`unresolved path in fixture: ${row.route} → ${target}`);
      for (const who of CALLERS) {
        // Raw on purpose: one generic request per fixture row, with its deliberately empty or unknown body.
        const r = await call(srv.baseUrl, method, target, { token: who === 'anonymous' ? undefined : w.tokens[who], body: row.body });
        const want = allowed(row, who);
        const got = r.status < 500 && r.status !== 401 && r.status !== 403;
        if (r.status >= 500) mismatches.push(`${row.route} as ${who}: server error ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        else if (want !== got) mismatches.push(`${row.route} as ${who}: expected ${want ? 'allow' : 'deny'}, got ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
        // A denial is always the documented error shape.
        if (!got) expect(r.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
        checked++;
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(matrix.routes.length * CALLERS.length);
  });

  it('a permission granted or withdrawn by the security administrator changes the matrix at once', async () => {
    // The auditor has no object rights: grant read, use it, withdraw it, and it is gone on the next request.
    const auditor = w.c.auditor.api.records;
    const security = w.c.security.api.admin;
    expect((await refused(auditor.list('client'))).status).toBe(403);
    expect(await security.updateRole('auditor', { permissions: [{ object: 'client', actions: ['read'], scope: 'all' }] })).toMatchObject({ permissions: [{ object: 'client' }] });
    expect(await auditor.list('client')).toMatchObject({ items: expect.any(Array) });
    expect(await security.updateRole('auditor', { permissions: [] })).toMatchObject({ permissions: [] });
    expect((await refused(auditor.list('client'))).status).toBe(403);
    // Platform rights too: give the manager the designer right and take it back (an empty body on purpose:
    // past the guard it is a 400, before it a 403).
    expect((await w.c.manager.post('/api/meta/objects', {})).status).toBe(403);
    expect(await security.updateRole('manager', { platform: ['process.start', 'designer'] })).toMatchObject({ platform: ['process.start', 'designer'] });
    expect((await w.c.manager.post('/api/meta/objects', {})).status).toBe(400);
    expect(await security.updateRole('manager', { platform: ['process.start'] })).toMatchObject({ platform: ['process.start'] });
    expect((await w.c.manager.post('/api/meta/objects', {})).status).toBe(403);
  });
});
