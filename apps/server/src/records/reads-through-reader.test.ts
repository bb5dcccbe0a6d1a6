/**
 * No module but the scoped reader writes a SELECT on crm_data: every read of user records must get
 * live rows, row scope, field modes, masking and decryption from one place. The test parses every
 * server source file (TypeScript's own parser, so comments and prose do not count) and flags each
 * SQL text that SELECTs FROM (or JOINs) a record table — `crm_data.`, `${tableOf(…)}`, or a
 * variable assigned from tableOf(); writes that only INSERT INTO or UPDATE one do not count. Files allowed to are listed with the reason; an entry whose file no
 * longer reads records fails too, so the list only shrinks.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Server files (relative to apps/server/src) that may SELECT on crm_data, and why. */
const ALLOWED: Record<string, string> = {
  'records/scoped-reader.ts': 'the scoped reader itself',
  'records/system-reads.ts': "the reader's unscoped reads for the platform (metadata checks, demo-data loader), each naming its reason",
  'records/report-rollup-sql.ts': "a report rollup's first fill aggregates the object's live rows into the rollup inside the database (the engine reads the rollup through the scoped reader)",
  'records/computed-write-sql.ts': 'the bulk computed-value UPDATE reads back only the previous value of the field it writes, for its audit row',
};

/** SQL texts in `source` that SELECT from a record table. */
export function recordSelects(source: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const aliases = new Set<string>();
  const texts: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && /^tableOf\(/.test(node.initializer.getText(sf))) aliases.add(node.name.text);
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateExpression(node)) {
      texts.push(node.getText(sf));
      if (ts.isTemplateExpression(node)) return; // its own text holds every nested part
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const names = [...aliases].map((a) => a.replace(/[$]/g, '\\$'));
  const table = new RegExp(`\\b(?:FROM|JOIN)\\s+(?:crm_data\\.|\\$\\{\\s*tableOf\\(${names.length ? `|\\$\\{\\s*(?:${names.join('|')})\\s*\\}` : ''})`);
  return texts.filter((t) => /\bSELECT\b/.test(t) && table.test(t));
}

function serverFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'migrations' ? [] : serverFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

describe('reads of crm_data', () => {
  it('the detector finds a SELECT on a record table written every way, and nothing else', () => {
    expect(recordSelects('q(`SELECT * FROM ${tableOf(o.key)} t WHERE t.id = $1`)')).toHaveLength(1);
    expect(recordSelects("q('SELECT 1 FROM crm_data.customer LIMIT 1')")).toHaveLength(1);
    expect(recordSelects('const T = tableOf(k);\nq(`SELECT t.* FROM ${T} t`)')).toHaveLength(1);
    expect(recordSelects('q(`WITH x AS (SELECT 1) SELECT ${cols.map((c) => `t.${c}`).join()} FROM ${tableOf(k)} t`)')).toHaveLength(1);
    expect(recordSelects('q(`SELECT 1 AS one FROM x JOIN crm_data.lead l ON true`)')).toHaveLength(1);
    // Writes, DDL, platform tables and prose are not reads of records.
    expect(recordSelects('q(`UPDATE ${tableOf(k)} SET x = 1`); q(`CREATE TABLE ${tableOf(k)} (id uuid)`)')).toEqual([]);
    expect(recordSelects('q(`INSERT INTO ${tableOf(k)} (a) SELECT u.a FROM unnest($1::text[]) AS u(a)`)')).toEqual([]);
    expect(recordSelects('q(`WITH rec AS (INSERT INTO ${tableOf(k)} (a) VALUES ($1) RETURNING *) SELECT * FROM rec`)')).toEqual([]);
    expect(recordSelects("q('SELECT * FROM crm.users WHERE id = $1')")).toEqual([]);
    expect(recordSelects('// SELECT * FROM crm_data.customer\nconst a = 1;')).toEqual([]);
    expect(recordSelects('const T = tableOf(k);\nq(`SELECT * FROM ${U}`)')).toEqual([]);
  });

  it('happen only in the scoped reader (and the files listed with a reason)', () => {
    const offenders: string[] = [];
    const readers = new Set<string>();
    for (const file of serverFiles(SRC)) {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      const found = recordSelects(readFileSync(file, 'utf8'), file);
      if (!found.length) continue;
      readers.add(rel);
      if (!(rel in ALLOWED)) offenders.push(`${rel}: ${found[0]!.replace(/\s+/g, ' ').slice(0, 160)}`);
    }
    expect(offenders).toEqual([]);
    // A listed file that no longer reads records comes off the list.
    expect(Object.keys(ALLOWED).filter((f) => !readers.has(f))).toEqual([]);
  });
});
