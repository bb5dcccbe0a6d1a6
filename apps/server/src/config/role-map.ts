/** A JSON setting that maps outside group or claim values to platform roles, as directory and SSO logins use it. */
import { ConfigError, type Env } from './config.js';

/** `{"<value>": "role" | ["role", …]}` → value (trimmed, lower case) → roles; required, non-empty. */
export function roleMapVar(env: Env, name: string, what: string): Map<string, string[]> {
  const bad = () => new ConfigError(name, `must be a JSON object {"<${what}>": "role" | ["role", …]}`);
  const raw = env[name]?.trim();
  if (!raw) throw new ConfigError(name, 'is required when its login method is configured');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw bad();
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw bad();
  const out = new Map<string, string[]>();
  for (const [value, roles] of Object.entries(parsed as Record<string, unknown>)) {
    const list = typeof roles === 'string' ? [roles] : roles;
    if (!value.trim() || !Array.isArray(list) || !list.length || !list.every((r) => typeof r === 'string' && /^[a-z][a-z0-9_]{0,62}$/.test(r))) throw bad();
    out.set(value.trim().toLowerCase(), list as string[]);
  }
  if (!out.size) throw bad();
  return out;
}
