/**
 * Form validators compiled on the server for the browser: Ajv's standalone code of a form's data
 * schema, served as a same-origin JavaScript module, so the browser validates without `new Function`
 * or `blob:` and a `script-src 'self'` Content-Security-Policy holds.
 *
 * The module is addressed by the SHA-256 of what it was compiled from (the fields and the form, as the
 * caller sent them): whoever holds the address already had the definition, so serving it without the
 * bearer token (a module import cannot send one) discloses nothing. Compiling needs a signed-in caller;
 * compiled modules are kept in process memory, bounded by count and size, oldest first out.
 */
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  FormDefinitionError, generateStandaloneValidatorModule, validateFieldDefinition, validateFormDefinition,
  type FieldDef, type FormDefinition, type Lang,
} from '@crm/form-engine';
import { AppError } from '../common/app-error.js';

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

  /** Checks the definition (400 with the problems, in the caller's language) and compiles it once; answers its URL. */
  compile(fields: FieldDef[], form: FormDefinition, lang: Lang): { url: string } {
    const id = createHash('sha256').update(JSON.stringify([fields, form])).digest('hex');
    const url = `${VALIDATOR_MODULE_PATH}${id}.js`;
    const hit = this.modules.get(id);
    if (hit !== undefined) {
      // Recently used: move to the young end.
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
    this.modules.set(id, code);
    this.bytes += code.length;
    for (const [old, text] of this.modules) {
      if (this.modules.size <= MAX_MODULES && this.bytes <= MAX_BYTES) break;
      this.modules.delete(old);
      this.bytes -= text.length;
    }
    return { url };
  }

  /** The module's source by its file name (`<sha256>.js`); 404 when unknown (or evicted: compile again). */
  source(file: string): string {
    const m = ID_RE.exec(file);
    const code = m ? this.modules.get(m[1]!) : undefined;
    if (code === undefined) throw new AppError(404, 'meta.validator_module_not_found', {});
    return code;
  }
}
