/**
 * A real OpenLDAP server (Debian's `slapd`) for the directory-login tests: a throw-away mdb database
 * under a temporary folder, loaded with `slapadd`, listening on a free loopback port.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './server.js';

export const SLAPD = ['/usr/sbin/slapd', '/usr/lib/slapd'].find((p) => existsSync(p)) ?? 'slapd';
export const SLAPADD = ['/usr/sbin/slapadd'].find((p) => existsSync(p)) ?? 'slapadd';

export interface Slapd {
  url: string;
  suffix: string;
  rootDn: string;
  rootPassword: string;
  stop(): Promise<void>;
}

/** The top of a test directory under `suffix`: the organisation, `ou=people` and `ou=groups` (entries follow). */
export function baseLdif(suffix: string): string {
  const dc = suffix.split(',')[0]!.replace(/^dc=/, '');
  return `dn: ${suffix}
objectClass: dcObject
objectClass: organization
dc: ${dc}
o: Test Bank

dn: ou=people,${suffix}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${suffix}
objectClass: organizationalUnit
ou: groups
`;
}

export const slapdInstalled = (): boolean => existsSync(SLAPD) || spawnSync('which', ['slapd']).status === 0;

async function listening(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ port, host: '127.0.0.1' }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`slapd did not listen on ${port} in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts slapd with `ldif` loaded under `suffix` (the ldif must create the suffix entry first). */
export async function startSlapd(ldif: string, suffix = 'dc=bank,dc=test'): Promise<Slapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'crm-slapd-'));
  const db = path.join(dir, 'db');
  mkdirSync(db);
  const rootDn = `cn=admin,${suffix}`;
  const rootPassword = 'root-secret-for-tests';
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    [
      'include /etc/ldap/schema/core.schema',
      'include /etc/ldap/schema/cosine.schema',
      'include /etc/ldap/schema/inetorgperson.schema',
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      `pidfile ${path.join(dir, 'slapd.pid')}`,
      'database mdb',
      'maxsize 10485760',
      `suffix "${suffix}"`,
      `rootdn "${rootDn}"`,
      `rootpw ${rootPassword}`,
      `directory ${db}`,
      // Passwords: only to bind with; everything else readable once bound (the service account searches).
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by users read by * none',
      '',
    ].join('\n'),
  );
  const ldifFile = path.join(dir, 'data.ldif');
  writeFileSync(ldifFile, ldif);
  const add = spawnSync(SLAPADD, ['-f', conf, '-l', ldifFile], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`slapadd failed: ${add.stderr}`);
  const port = await freePort();
  const proc: ChildProcess = spawn(SLAPD, ['-f', conf, '-h', `ldap://127.0.0.1:${port}/`, '-d', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  try {
    await listening(port, 10000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${(e as Error).message}: ${err}`, { cause: e });
  }
  return {
    url: `ldap://127.0.0.1:${port}`,
    suffix,
    rootDn,
    rootPassword,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
