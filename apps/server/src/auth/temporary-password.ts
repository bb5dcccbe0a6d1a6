/** One-time passwords handed out by a reset: random, and always meeting the password rule. */
import { randomBytes, randomInt } from 'node:crypto';
import { isStrongPassword } from '../config/config.js';

const SYMBOLS = '@#%+=!?';

/** 16 random base64url characters plus one of each required class, shuffled (≈ 100 bits). */
export function temporaryPassword(): string {
  const pick = (set: string) => set[randomInt(set.length)];
  const chars = [...randomBytes(12).toString('base64url').slice(0, 16), pick('ABCDEFGHJKLMNPQRSTUVWXYZ'), pick('abcdefghijkmnpqrstuvwxyz'), pick('23456789'), pick(SYMBOLS)];
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j], chars[i]];
  }
  const pw = chars.join('');
  if (!isStrongPassword(pw)) throw new Error('temporary password does not meet the rule');
  return pw;
}
