/**
 * Form validators compiled on the server for the browser: Ajv's standalone code of a form's data
 * schema, served as a same-origin JavaScript module, so the browser validates without `new Function`
 * or `blob:` and a `script-src 'self'` Content-Security-Policy holds.
 *
 * The module is addressed by the SHA-256 of what it was compiled from (the fields and the form, as the
 * caller sent them): whoever holds the address already had the definition, so serving it without the
 * bearer token (a module import cannot send one) discloses nothing. Compiling needs a signed-in caller.
 * Compiled modules are kept in the database (`crm.validator_modules`), because the browser may compile
 * through one worker process and import from another, and in each process's memory in front of it,
 * bounded by count and size, oldest first out. Rows unused for 30 days are dropped as new ones come.
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  FormDefinitionError, generateStandaloneValidatorModule, validateFieldDefinition, validateFormDefinition,
  type FieldDef, type FormDefinition, type Lang,
} from '@crm/form-engine';
import { AppError } from '../common/app-error.js';
import { Db } from '../database/db.js';

/** The global the web app puts the form engine's runtime (formats, Ajv helpers) under before importing a module. */
export const VALIDATOR_RUNTIME_GLOBAL = '__crmFormEngineRuntime';
export const VALIDATOR_MODULE_PATH = '/api/forms/validators/';
const ID_RE = /^([0-9a-f]{64})\.js$/;
const MAX_MODULES = 500;
const MAX_BYTES = 64 * 1024 * 1024;

@Injectable()
export class ValidatorModules {
  private readonly modules = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly db: Db) {}

  /** Checks the definition (400 with the problems, in the caller's language) and compiles it once; answers its URL. */
  async compile(fields: FieldDef[], form: FormDefinition, lang: Lang): Promise<{ url: string }> {
    const id = createHash('sha256').update(JSON.stringify([fields, form])).digest('hex');
    const url = `${VALIDATOR_MODULE_PATH}${id}.js`;
    const hit = this.modules.get(id);
    if (hit !== undefined) {
      // Recently used: move to the young end (the stored row's use is refreshed at most once per process start).
      this.modules.delete(id);
      this.modules.set(id, hit);
      return { url };
    }
    const problems = [
      ...fields.flatMap((f, i) => validateFieldDefinition(f, lang).map((p) => ({ ...p, path: `/fields/${i}${p.path}` }))),
      ...validateFormDefinition(form, fields, lang),
    ];
    if (problems.length) throw new AppError(400, 'meta.invalid_form', {}, problems);
    let code: string;
    try {
      code = generateStandaloneValidatorModule(fields, form, { runtimeGlobal: VALIDATOR_RUNTIME_GLOBAL });
    } catch (e) {
      if (e instanceof FormDefinitionError) throw new AppError(400, 'meta.invalid_form', {}, e.issues);
      throw e;
    }
    await this.db.query(
      `WITH stale AS (DELETE FROM crm.validator_modules WHERE id IN (SELECT id FROM crm.validator_modules WHERE used_at < now() - interval '30 days' LIMIT 100))
       INSERT INTO crm.validator_modules (id, code) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET used_at = now()`,
      [id, code],
    );
    this.remember(id, code);
    return { url };
  }

  /** The module's source by its file name (`<sha256>.js`); 404 when unknown (or dropped: compile again). */
  async source(file: string): Promise<string> {
    const m = ID_RE.exec(file);
    if (!m) throw new AppError(404, 'meta.validator_module_not_found', {});
    const id = m[1]!;
    let code = this.modules.get(id);
    if (code === undefined) {
      // Compiled through another process (or before this one started).
      code = (await this.db.one<{ code: string }>('SELECT code FROM crm.validator_modules WHERE id = $1', [id]))?.code;
      if (code === undefined) throw new AppError(404, 'meta.validator_module_not_found', {});
      this.remember(id, code);
    }
    return code;
  }

  private remember(id: string, code: string): void {
    this.modules.set(id, code);
    this.bytes += code.length;
    for (const [old, text] of this.modules) {
      if (this.modules.size <= MAX_MODULES && this.bytes <= MAX_BYTES) break;
      this.modules.delete(old);
      this.bytes -= text.length;
    }
  }
}
