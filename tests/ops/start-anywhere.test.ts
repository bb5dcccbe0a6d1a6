/**
 * Start anywhere: as root, a checkout inside a 0700 folder (like /root) runs the embedded
 * PostgreSQL although its "postgres" user cannot enter the checkout — binaries are staged and the
 * data relocated under a root-owned 0755 folder, and the start-up log says where. Root only (a
 * normal user's embedded PostgreSQL runs as that user, which can always reach its own checkout).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitHealthy } from '../harness/server.js';
import { as } from '../harness/http.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const asRoot = process.getuid?.() === 0;
const SKIP = new Set(['.git', '.data', 'test-results']);

/** A copy of the built checkout (hard links: fast, and no file's mode changes) inside a fresh 0700 folder. */
function privateCopy(): { privateDir: string; checkout: string } {
  const privateDir = mkdtempSync(path.join(tmpdir(), 'crm-private-'));
  chmodSync(privateDir, 0o700);
  const checkout = path.join(privateDir, 'repo');
  mkdirSync(checkout);
  const entries = readdirSync(repo).filter((e) => !SKIP.has(e)).map((e) => path.join(repo, e));
  let r = spawnSync('cp', ['-a', '--link', ...entries, checkout]);
  if (r.status !== 0) r = spawnSync('cp', ['-a', ...entries, checkout]); // another file system: plain copy
  if (r.status !== 0) throw new Error(`copying the checkout failed: ${r.stderr}`);
  return { privateDir, checkout };
}

async function runServer(checkout: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CRM_') && k !== 'DATABASE_URL') env[k] = v;
  // The README's defaults: no DATABASE_URL, CRM_DATA_DIR = ./.data inside the private checkout.
  Object.assign(env, { PORT: String(port), CRM_DEMO_TEMPLATES: 'none', LOG_LEVEL: 'info', ...extraEnv });
  const proc = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', 'apps/server/dist/main.js'], { cwd: checkout, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise((r) => proc.once('exit', r));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitHealthy(baseUrl, proc, 120000, () => out).catch((err) => {
    proc.kill('SIGKILL');
    throw err;
  });
  const server = {
    baseUrl,
    output: () => out,
    async stop() {
      running.delete(server);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
  running.add(server);
  return server;
}

/** Servers still up when a test fails half-way; afterAll stops them. */
const running = new Set<{ stop(): Promise<void> }>();

(asRoot ? describe : describe.skip)('a checkout in a 0700 folder, as root', () => {
  let privateDir: string;
  let checkout: string;
  let relocated: string | undefined;

  beforeAll(() => {
    ({ privateDir, checkout } = privateCopy());
  }, 120000);

  afterAll(async () => {
    for (const server of [...running]) await server.stop();
    if (relocated) rmSync(path.dirname(relocated), { recursive: true, force: true });
    if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  });

  it('starts the server with the embedded PostgreSQL, says where its data went, and keeps it across a restart', async () => {
    const dataKey = 'c0ffee'.repeat(10) + 'beef';
    const first = await runServer(checkout, { CRM_DATA_KEY: dataKey });
    const line = /its data is in (\S+), its binaries in (\S+)/.exec(first.output());
    expect(line).not.toBeNull();
    relocated = line![1]!;
    const binaries = line![2]!;
    expect(relocated.startsWith(checkout)).toBe(false);
    expect(first.output()).toContain(`which cannot enter ${path.join(checkout, '.data')}`);
    // Data: owned by postgres, private to it; binaries: root-owned, writable by root only.
    const pgStat = statSync(relocated);
    expect(pgStat.uid).not.toBe(0);
    expect(pgStat.mode & 0o777).toBe(0o700);
    const binStat = statSync(path.join(binaries, 'bin', 'postgres'));
    expect(binStat.uid).toBe(0);
    expect(binStat.mode & 0o022).toBe(0);
    expect(existsSync(path.join(checkout, '.data', 'secrets.json'))).toBe(true);
    // PostgreSQL's environment (which a database superuser can read through /proc) holds none of our keys.
    const postmaster = Number(readFileSync(path.join(relocated, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const environ = readFileSync(`/proc/${postmaster}/environ`, 'utf8');
    expect(environ).toContain('LC_ALL=C');
    expect(environ).not.toContain(dataKey);
    expect(environ).not.toContain('CRM_');
    const analyst = await as(first.baseUrl, 'analyst');
    expect((await analyst.post('/api/meta/objects', { key: 'anywhere_probe', label: '探针' })).status).toBe(201);
    await first.stop();

    const second = await runServer(checkout, { CRM_DATA_KEY: dataKey });
    expect(second.output()).toContain(`its data is in ${relocated}`);
    const again = await as(second.baseUrl, 'analyst');
    expect((await again.get('/api/meta/objects/anywhere_probe')).status).toBe(200);
    await second.stop();
  });

  it("runs the test harness's PostgreSQL launcher from the private checkout", async () => {
    const dataParent = mkdtempSync(path.join(tmpdir(), 'crm-anywhere-pg-'));
    chmodSync(dataParent, 0o755);
    const port = await freePort();
    const script = `
      const { initCluster, startCluster } = await import(${JSON.stringify(path.join(checkout, 'apps/server/dist/database/pg-cluster.js'))});
      const pg = (await import(${JSON.stringify(path.join(checkout, 'node_modules/pg/lib/index.js'))})).default;
      const o = { dataDir: ${JSON.stringify(path.join(dataParent, 'data'))}, password: 'p', port: ${port} };
      await initCluster(o);
      const running = await startCluster(o);
      const c = new pg.Client({ connectionString: 'postgres://postgres:p@127.0.0.1:${port}/postgres' });
      await c.connect();
      const { rows } = await c.query('SELECT current_user AS u, 6 * 7 AS n');
      await c.end();
      await running.stop();
      console.log(JSON.stringify(rows[0]));`;
    try {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: checkout, encoding: 'utf8', timeout: 120000 });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout.trim())).toEqual({ u: 'postgres', n: 42 });
    } finally {
      rmSync(dataParent, { recursive: true, force: true });
    }
  });
});
