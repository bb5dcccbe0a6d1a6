/**
 * The HTTP contract lives in packages/shared only: a controller validates with the shared zod schemas
 * and answers the shared types, it never declares its own. The test parses every *.controller.ts
 * (TypeScript's own parser, so comments and prose do not count) and flags an import of zod, a zod
 * schema built there (`z.object(…)`, `z.string()`, …), and any interface or object type declared there.
 */
import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** What in a controller's source declares a request or answer shape of its own (empty when none). */
export function ownContractShapes(source: string, fileName = 'x.controller.ts'): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const zodNames = new Set<string>();
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && /^zod(\/|$)/.test(node.moduleSpecifier.text)) {
      found.push(`imports ${node.moduleSpecifier.text}`);
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) for (const b of bindings.elements) zodNames.add(b.name.text);
      if (bindings && ts.isNamespaceImport(bindings)) zodNames.add(bindings.name.text);
      if (node.importClause?.name) zodNames.add(node.importClause.name.text);
    }
    if (ts.isInterfaceDeclaration(node)) found.push(`interface ${node.name.text}`);
    if (ts.isTypeAliasDeclaration(node) && containsObjectType(node.type)) found.push(`type ${node.name.text}`);
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && ts.isIdentifier(node.expression.expression) && zodNames.has(node.expression.expression.text)) {
      found.push(`${node.expression.expression.text}.${node.expression.name.text}(…)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

function containsObjectType(t: ts.TypeNode): boolean {
  if (ts.isTypeLiteralNode(t) || ts.isMappedTypeNode(t)) return true;
  let hit = false;
  t.forEachChild((c) => {
    if (!hit && ts.isTypeNode(c)) hit = containsObjectType(c);
  });
  return hit;
}

function sources(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p, keep);
    return keep(e.name) ? [p] : [];
  });
}
const controllers = (dir: string) => sources(dir, (n) => n.endsWith('.controller.ts'));

/** Names that say "what a route answers or takes": such a shape belongs in packages/shared. */
const ANSWER_NAME = /(Response|Answer|Body|Dto|Reply)$/;

/** Exported interfaces and object types of any server file named like an answer or body (empty when none). */
export function exportedAnswerShapes(source: string, fileName = 'x.service.ts'): string[] {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const exported = (n: ts.Node) => ts.canHaveModifiers(n) && !!ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  return sf.statements.flatMap((st) => {
    if (ts.isInterfaceDeclaration(st) && exported(st) && ANSWER_NAME.test(st.name.text)) return [`interface ${st.name.text}`];
    if (ts.isTypeAliasDeclaration(st) && exported(st) && ANSWER_NAME.test(st.name.text) && containsObjectType(st.type)) return [`type ${st.name.text}`];
    return [];
  });
}

describe('controllers and the shared contract', () => {
  it('the detector finds a shape declared every way, and nothing else', () => {
    expect(ownContractShapes("import { z } from 'zod';\nconst Body = z.object({ a: z.string() });")).toEqual(['imports zod', 'z.object(…)', 'z.string(…)']);
    expect(ownContractShapes("import * as zz from 'zod/v4';\nconst B = zz.strictObject({});")).toEqual(['imports zod/v4', 'zz.strictObject(…)']);
    expect(ownContractShapes('export interface Answer { id: string }')).toEqual(['interface Answer']);
    expect(ownContractShapes('interface Hidden { id: string }')).toEqual(['interface Hidden']);
    expect(ownContractShapes('export type Reply = { ok: true } | { ok: false };')).toEqual(['type Reply']);
    expect(ownContractShapes('type Page = Array<{ id: string }>;')).toEqual(['type Page']);
    // Shared schemas used, names of shared types and prose are fine.
    expect(ownContractShapes("import { LoginBody, type Task } from '@crm/shared';\nconst x = parseInput(LoginBody, body);\ntype T = Task;\n// interface Old { a: string }")).toEqual([]);
    expect(ownContractShapes("const o = { object: () => 1 };\no.object();")).toEqual([]);
  });

  it('no server file exports an answer or body shape of its own (services answer the shared types too)', () => {
    expect(exportedAnswerShapes('export interface StatusAnswer { ok: boolean }\nexport type ErrorBody = { error: string };\nexport type Reply = Shared;\ninterface LocalBody { a: 1 }'))
      .toEqual(['interface StatusAnswer', 'type ErrorBody']);
    const files = sources(SRC, (n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && !n.endsWith('.d.ts'));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) => {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      return exportedAnswerShapes(readFileSync(file, 'utf8'), file).map((what) => `${rel}: ${what}`);
    });
    expect(offenders).toEqual([]);
  });

  it('no controller declares a body, query or answer shape of its own', () => {
    const files = controllers(SRC);
    expect(files.length).toBeGreaterThan(15);
    const offenders = files.flatMap((file) => {
      const rel = path.relative(SRC, file).split(path.sep).join('/');
      return ownContractShapes(readFileSync(file, 'utf8'), file).map((what) => `${rel}: ${what}`);
    });
    expect(offenders).toEqual([]);
  });
});
