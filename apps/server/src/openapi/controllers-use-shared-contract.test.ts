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

function controllers(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return controllers(p);
    return e.name.endsWith('.controller.ts') ? [p] : [];
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
