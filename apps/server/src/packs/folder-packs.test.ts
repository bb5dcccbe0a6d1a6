/** Declarative packs from folders (CRM_PACK_DIRS): read from disk, checked at start-up. */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { folderPack } from './folder-packs.js';
import { packByKey, solutionPacks, useFolderPacks } from './pack-registry.js';

const root = mkdtempSync(path.join(tmpdir(), 'folder-packs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string, template: unknown, steps: Record<string, string> = {}): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'migrations'), { recursive: true });
  if (template !== undefined) writeFileSync(path.join(dir, 'template.json'), typeof template === 'string' ? template : JSON.stringify(template));
  for (const [file, sql] of Object.entries(steps)) writeFileSync(path.join(dir, 'migrations', file), sql);
  return dir;
}

describe('folder packs', () => {
  it('takes the key from template.json and its SQL steps as they are on disk now, in id order', () => {
    const dir = folder('mine', { key: 'mine' }, { '0002-b.sql': 'SELECT 2', '0001-a.sql': 'SELECT 1', 'notes.txt': 'x', '1-bad.sql': 'x' });
    const pack = folderPack(dir);
    expect(pack.key).toBe('mine');
    expect(pack.migrations?.map((m) => m.id)).toEqual(['0001-a', '0002-b']);
    writeFileSync(path.join(dir, 'migrations', '0003-c.sql'), 'SELECT 3');
    expect(pack.migrations?.map((m) => m.id)).toEqual(['0001-a', '0002-b', '0003-c']);
  });

  it('refuses a folder without a readable template.json or with a bad key', () => {
    expect(() => folderPack(folder('empty', undefined))).toThrow(/cannot read the pack in .*empty/);
    expect(() => folderPack(folder('broken', '{ not json'))).toThrow(/cannot read the pack/);
    expect(() => folderPack(folder('badkey', { key: '../Bank' }))).toThrow(/no valid key/);
  });

  it('refuses a second pack with the same key, built in or not; registers the others', () => {
    const builtIn = solutionPacks().map((p) => p.key);
    for (const key of builtIn) expect(() => useFolderPacks([folder(`dup-${key}`, { key })])).toThrow(`more than one pack has the key ${key}`);
    expect(() => useFolderPacks([folder('twice-a', { key: 'twice' }), folder('twice-b', { key: 'twice' })])).toThrow('more than one pack has the key twice');
    useFolderPacks([folder('extra', { key: 'extra-pack' })]);
    expect(packByKey('extra-pack')?.bundleDir).toBe(path.join(root, 'extra'));
    expect(solutionPacks().map((p) => p.key)).toEqual([...builtIn, 'extra-pack']);
    useFolderPacks([]);
    expect(packByKey('extra-pack')).toBeUndefined();
  });
});
