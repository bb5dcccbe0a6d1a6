/**
 * The Ajv family ships CommonJS with `exports.default`; Node, swc/jest and Vite disagree on what a
 * default import of such a module is. This picks the real export whichever way it was loaded.
 */
export function cjsDefault<T>(mod: unknown): T {
  const m = mod as { default?: unknown };
  return (m && typeof m === 'object' && 'default' in m ? m.default : mod) as T;
}
