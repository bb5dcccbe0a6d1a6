/**
 * The server's Content-Security-Policy allows no `eval`/`new Function` (security-headers.ts). zod would
 * probe for them on its first object parse (a probe the browser reports as a violation) to use its
 * compiled fast path; it reads this global configuration first, so it is set before zod loads.
 * Imported first by main.tsx.
 */
const g = globalThis as { __zod_globalConfig?: { jitless?: boolean } };
g.__zod_globalConfig = { ...g.__zod_globalConfig, jitless: true };

export {};
