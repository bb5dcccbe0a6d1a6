/**
 * Publish-time code generation: the data validator of a form version as an ES module, so the
 * browser validates without `new Function` under a strict Content-Security-Policy. Ajv's standalone
 * output still `require`s its runtime helpers and our formats; those references are rewritten to
 * one import of this package, which re-exports them (`formats`, `standaloneRuntime`).
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';
import type { Ajv } from 'ajv';
import type { AnyValidateFunction } from 'ajv/dist/types/index.js';
import type { FieldDef, FormDefinition } from './types.js';
import { cjsDefault } from './interop.js';
import { createAjv } from './validation/ajv-factory.js';
import { deriveDataSchema } from './schema/derive-data-schema.js';
import { validateFieldDefinition } from './definition/validate-field-definition.js';
import { validateFormDefinition } from './definition/validate-form-definition.js';
import { FormDefinitionError } from './rules/rule-plan.js';

type CodeTag = (strings: TemplateStringsArray, ...args: unknown[]) => unknown;
const codeTag = cjsDefault<{ _: CodeTag }>(Ajv2020Module)._;
const standaloneCode = cjsDefault<(ajv: Ajv, validate: AnyValidateFunction) => string>(standaloneModule);

const RUNTIME_NAME = '__crmFormEngine';

export interface StandaloneOptions {
  /** Module specifier the generated code imports formats and helpers from. */
  runtimeImport?: string;
  /**
   * Read the runtime from this global instead of importing it (e.g. `__crmFormEngineRuntime`): the module
   * then has no import at all, so a browser can load it from the server under `script-src 'self'` with the
   * runtime it already bundles.
   */
  runtimeGlobal?: string;
}

export function generateStandaloneValidatorModule(
  fields: FieldDef[],
  form: FormDefinition | null,
  opts: StandaloneOptions = {},
): string {
  const problems = [...fields.flatMap((f) => validateFieldDefinition(f, 'en')), ...(form ? validateFormDefinition(form, fields, 'en') : [])];
  if (problems.length) throw new FormDefinitionError(problems);
  const schema = deriveDataSchema(fields, form);
  const ajv = createAjv({
    code: { source: true, esm: true, formats: codeTag`__crmFormEngine.formats` as never /* the tag would quote an interpolated name */ },
  });
  const validate = ajv.compile(schema);
  let code = standaloneCode(ajv, validate);
  code = code.replace(/require\("ajv\/dist\/runtime\/(\w+)"\)\.default/g, `${RUNTIME_NAME}.standaloneRuntime.$1`);
  if (/\brequire\(/.test(code)) {
    throw new Error(`standalone validator still needs CommonJS: ${/require\([^)]*\)/.exec(code)?.[0]}`);
  }
  const head = opts.runtimeGlobal
    ? `const ${RUNTIME_NAME} = globalThis[${JSON.stringify(opts.runtimeGlobal)}];`
    : `import * as ${RUNTIME_NAME} from ${JSON.stringify(opts.runtimeImport ?? '@crm/form-engine')};`;
  return `${head}\n${code}\nexport const schema = ${JSON.stringify(schema)};\n`;
}
