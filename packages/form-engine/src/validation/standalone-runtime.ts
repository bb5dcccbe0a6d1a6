/** Ajv's runtime helpers, re-exported for generated standalone validator modules to import. */
import ucs2lengthModule from 'ajv/dist/runtime/ucs2length.js';
import equalModule from 'ajv/dist/runtime/equal.js';
import { cjsDefault } from '../interop.js';

export const standaloneRuntime = {
  ucs2length: cjsDefault<(s: string) => number>(ucs2lengthModule),
  equal: cjsDefault<(a: unknown, b: unknown) => boolean>(equalModule),
};
