/**
 * The index of field types. Built-in types register when the package loads (field-types/index.ts);
 * an extension registers its folder's descriptor with registerFieldType. Every question about a
 * type is a look-up here, and a type nobody registered is an UnknownFieldTypeError — never `text`.
 */
import { formats } from '../validation/formats.js';
import type { FieldTypeDescriptor, MessageInput, Text } from './descriptor.js';

const TYPE_NAME = /^[a-z][a-z0-9_]{0,39}$/;
// Column types and casts are written into DDL and SQL: only plain type names, numeric(p,s) and arrays.
const SQL_TYPE = /^[a-z][a-z0-9_.]*(\(\d{1,2},\d{1,2}\))?(\[\])?$/;
const types = new Map<string, FieldTypeDescriptor>();
const messages = new Map<string, (input: MessageInput) => Text>();
let version = 0;

export class UnknownFieldTypeError extends Error {
  constructor(readonly type: unknown) {
    super(`unknown field type ${JSON.stringify(type)}: no field type of that name is registered`);
    this.name = 'UnknownFieldTypeError';
  }
}

export function registerFieldType(d: FieldTypeDescriptor): void {
  if (!TYPE_NAME.test(d.type)) throw new Error(`field type name ${JSON.stringify(d.type)} must match ${TYPE_NAME}`);
  if (types.has(d.type)) throw new Error(`field type ${d.type} is already registered`);
  for (const sql of [d.server.column, d.server.cast]) {
    if (!SQL_TYPE.test(sql)) throw new Error(`field type ${d.type}: ${JSON.stringify(sql)} is not a column type`);
  }
  for (const [name, f] of Object.entries(d.engine.formats ?? {})) {
    if (name in formats && formats[name] !== f) throw new Error(`field type ${d.type}: format ${name} is already defined differently`);
  }
  for (const [code, m] of Object.entries(d.engine.messages ?? {})) {
    const had = messages.get(code);
    if (had && had !== m) throw new Error(`field type ${d.type}: message code ${code} is already phrased by another type`);
  }
  Object.assign(formats, d.engine.formats ?? {});
  for (const [code, m] of Object.entries(d.engine.messages ?? {})) messages.set(code, m);
  types.set(d.type, d);
  version++;
}

export function isFieldType(type: unknown): type is string {
  return typeof type === 'string' && types.has(type);
}

/** The descriptor of `type`; throws UnknownFieldTypeError for a type nobody registered. */
export function fieldType(type: unknown): FieldTypeDescriptor {
  const d = typeof type === 'string' ? types.get(type) : undefined;
  if (!d) throw new UnknownFieldTypeError(type);
  return d;
}

/** Every registered type, built-ins first in the order API.md documents them. */
export function fieldTypes(): FieldTypeDescriptor[] {
  return [...types.values()];
}

export function fieldTypeNames(): string[] {
  return [...types.keys()];
}

/** The server assigns values of this type (auto numbers, computed fields); false for unknown types. */
export function isServerOwned(type: unknown): boolean {
  return typeof type === 'string' && types.get(type)?.engine.serverOwned === true;
}

/** The message of a domain error code some type declares, or undefined. */
export function typeMessage(code: string): ((input: MessageInput) => Text) | undefined {
  return messages.get(code);
}

/** Moves on with every registration, so caches derived from the registry know when to rebuild. */
export function registryVersion(): number {
  return version;
}
