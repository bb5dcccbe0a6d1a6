/** One place that configures Ajv the way every validator of this package needs it. */
import Ajv2020Module from 'ajv/dist/2020.js';
import ajvErrorsModule from 'ajv-errors';
import type { Ajv } from 'ajv';
import type { Options } from 'ajv';
import { cjsDefault } from '../interop.js';
import { formats } from './formats.js';

type AjvClass = new (opts: Options) => Ajv;
const Ajv2020 = cjsDefault<AjvClass>(Ajv2020Module);
const ajvErrors = cjsDefault<(ajv: Ajv) => Ajv>(ajvErrorsModule);

export function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv2020({ allErrors: true, strict: true, formats, ...extra });
  ajvErrors(ajv);
  return ajv;
}
