import { rmSync } from 'node:fs';

/** Stops the shared embedded PostgreSQL started by global-setup.ts (kept on globalThis). */
export default async function globalTeardown(): Promise<void> {
  const shared = globalThis as unknown as { __crmTestPg?: { pg?: { stop(): Promise<void> }; dir?: string } };
  const s = shared.__crmTestPg;
  if (!s?.pg) return;
  shared.__crmTestPg = undefined;
  await s.pg.stop().catch(() => undefined);
  if (s.dir) rmSync(s.dir, { recursive: true, force: true });
}
