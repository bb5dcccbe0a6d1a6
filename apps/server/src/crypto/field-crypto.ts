/**
 * Encryption at rest for sensitive fields (level ≥ 3) and the keyed hash that keeps `$eq` filters
 * working on them. AES-256-GCM by default; with CRM_CRYPTO=sm, SM4-CTR with an HMAC-SM3 tag
 * (encrypt-then-MAC: Node's OpenSSL has no SM4-GCM). Keys are derived from CRM_DATA_KEY with HKDF,
 * one per purpose, so the hash key never equals the encryption key.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CryptoSuite } from '../config/config.js';

export class FieldCrypto {
  private readonly encKey: Buffer;
  private readonly macKey: Buffer;
  private readonly hashKey: Buffer;

  constructor(
    masterKey: Buffer,
    private readonly suite: CryptoSuite,
  ) {
    const derive = (info: string, len: number) => Buffer.from(hkdfSync(suite === 'sm' ? 'sm3' : 'sha256', masterKey, Buffer.alloc(0), info, len));
    this.encKey = derive('crm field encryption', suite === 'sm' ? 16 : 32);
    this.macKey = derive('crm field mac', 32);
    this.hashKey = derive('crm field search hash', 32);
  }

  encrypt(plain: string): string {
    if (this.suite === 'sm') {
      const iv = randomBytes(16);
      const c = createCipheriv('sm4-ctr', this.encKey, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      const tag = createHmac('sm3', this.macKey).update(iv).update(ct).digest();
      return 's1:' + Buffer.concat([iv, tag, ct]).toString('base64');
    }
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.encKey, iv);
    const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return 'a1:' + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
  }

  decrypt(stored: string): string {
    const raw = Buffer.from(stored.slice(3), 'base64');
    if (stored.startsWith('s1:')) {
      const iv = raw.subarray(0, 16);
      const tag = raw.subarray(16, 48);
      const ct = raw.subarray(48);
      const expect = createHmac('sm3', this.macKey).update(iv).update(ct).digest();
      if (!timingSafeEqual(tag, expect)) throw new Error('encrypted value failed its integrity check');
      const d = createDecipheriv('sm4-ctr', this.encKey, iv);
      return Buffer.concat([d.update(ct), d.final()]).toString('utf8');
    }
    if (stored.startsWith('a1:')) {
      const d = createDecipheriv('aes-256-gcm', this.encKey, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    }
    throw new Error('unknown encrypted value format');
  }

  /** Deterministic keyed hash of a value for equality search. */
  searchHash(plain: string): string {
    return createHmac(this.suite === 'sm' ? 'sm3' : 'sha256', this.hashKey).update(plain).digest('hex');
  }
}
