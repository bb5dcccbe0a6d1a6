/** Password hashing with argon2id (OWASP parameters). */
import argon2 from 'argon2';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string): Promise<string> {
  return argon2.hash(plain, OPTIONS);
}

export async function verifyPassword(hash: string, plain: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** A real hash to verify against when the user does not exist, so both paths cost the same. */
export function dummyHash(): Promise<string> {
  dummy ??= argon2.hash('not-a-real-password-ever', OPTIONS);
  return dummy;
}
