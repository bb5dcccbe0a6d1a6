/**
 * The bank's directory (OpenLDAP or Active Directory) through `ldapts`: finds a user by login name with
 * the service account, proves the password by binding as that user, and reads the groups the user is a
 * member of. Filters are built from ldapts filter objects (values are encoded, never spliced into a
 * filter string), and an empty password is refused before any bind: an LDAP "unauthenticated bind"
 * with an empty password succeeds on many servers.
 */
import { AndFilter, Client, EqualityFilter, InvalidCredentialsError, NoSuchObjectError, OrFilter, type Entry } from 'ldapts';
import type { LdapConfig } from '../../config/ldap-config.js';

export interface DirectoryUser {
  dn: string;
  /** entryUUID (OpenLDAP), objectGUID (AD, hex) or, failing both, the DN. */
  externalId: string;
  displayName: string | null;
  orgCode: string | null;
  /** Lower-case DNs and cns of the user's groups. */
  groups: string[];
}

/** The directory did not answer (down, timed out, refused the service account): not a wrong password. */
export class DirectoryUnavailable extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const first = (v: Entry[string] | undefined): string | null => {
  const x = Array.isArray(v) ? v[0] : v;
  if (x === undefined || x === null) return null;
  return Buffer.isBuffer(x) ? x.toString('utf8') : String(x);
};

export class LdapDirectory {
  constructor(private readonly cfg: LdapConfig) {}

  private client(): Client {
    return new Client({
      url: this.cfg.url,
      timeout: this.cfg.timeoutMs,
      connectTimeout: this.cfg.timeoutMs,
      ...(this.cfg.tlsCa ? { tlsOptions: { ca: this.cfg.tlsCa } } : {}),
    });
  }

  /** Runs fn on a connection bound as the service account; any failure of the directory itself is DirectoryUnavailable. */
  private async asService<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const c = this.client();
    try {
      await c.bind(this.cfg.bindDn, this.cfg.bindPassword);
    } catch (err) {
      await c.unbind().catch(() => undefined);
      throw new DirectoryUnavailable(`service bind failed: ${(err as Error).name}`);
    }
    try {
      return await fn(c);
    } catch (err) {
      if (err instanceof DirectoryUnavailable) throw err;
      throw new DirectoryUnavailable(`directory search failed: ${(err as Error).name}`);
    } finally {
      await c.unbind().catch(() => undefined);
    }
  }

  /** The user when the name is found exactly once and the password binds; null for any wrong credential. */
  async authenticate(username: string, password: string): Promise<DirectoryUser | null> {
    if (!password) return null;
    const found = await this.asService((c) => this.search(c, username));
    if (!found) return null;
    const user = this.client();
    try {
      await user.bind(found.e.dn, password);
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return null;
      throw new DirectoryUnavailable(`user bind failed: ${(err as Error).name}`);
    } finally {
      await user.unbind().catch(() => undefined);
    }
    return this.userOf(found);
  }

  /** A user as the service account finds them, without their password (the settings screen's test); null when not found exactly once. */
  async lookup(username: string): Promise<DirectoryUser | null> {
    const found = await this.asService((c) => this.search(c, username));
    return found ? this.userOf(found) : null;
  }

  private async search(c: Client, username: string): Promise<{ e: Entry; groups: Entry[] } | null> {
    const attrs = [this.cfg.userAttribute, this.cfg.displayNameAttribute, 'entryUUID', 'objectGUID', ...(this.cfg.orgAttribute ? [this.cfg.orgAttribute] : [])];
    const { searchEntries } = await c.search(this.cfg.userBase, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: this.cfg.userAttribute, value: username }),
      attributes: attrs,
      sizeLimit: 2,
    });
    if (searchEntries.length !== 1) return null;
    const e = searchEntries[0]!;
    const groups = await c.search(this.cfg.groupBase, {
      scope: 'sub',
      filter: new OrFilter({ filters: [new EqualityFilter({ attribute: 'member', value: e.dn }), new EqualityFilter({ attribute: 'uniqueMember', value: e.dn })] }),
      attributes: ['cn'],
      sizeLimit: 1000,
    });
    return { e, groups: groups.searchEntries };
  }

  private userOf(found: { e: Entry; groups: Entry[] }): DirectoryUser {
    const guid = found.e.objectGUID;
    const externalId = first(found.e.entryUUID) ?? (Buffer.isBuffer(guid) ? guid.toString('hex') : null) ?? found.e.dn;
    return {
      dn: found.e.dn,
      externalId,
      displayName: first(found.e[this.cfg.displayNameAttribute]),
      orgCode: this.cfg.orgAttribute ? first(found.e[this.cfg.orgAttribute]) : null,
      groups: found.groups.flatMap((g) => [g.dn.toLowerCase(), ...(first(g.cn) ? [first(g.cn)!.toLowerCase()] : [])]),
    };
  }

  /** Proves the directory answers and accepts the service account (DirectoryUnavailable if not). */
  async ping(): Promise<void> {
    await this.asService(async () => undefined);
  }

  /** Whether an account that came from the directory is still in it (by entryUUID, else by DN). */
  async exists(externalId: string, dn: string | null): Promise<boolean> {
    return this.asService(async (c) => {
      if (UUID.test(externalId)) {
        const { searchEntries } = await c.search(this.cfg.userBase, { scope: 'sub', filter: new AndFilter({ filters: [new EqualityFilter({ attribute: 'entryUUID', value: externalId })] }), attributes: ['dn'], sizeLimit: 1 });
        return searchEntries.length === 1;
      }
      try {
        const { searchEntries } = await c.search(dn ?? externalId, { scope: 'base', attributes: ['dn'] });
        return searchEntries.length === 1;
      } catch (err) {
        if (err instanceof NoSuchObjectError) return false;
        throw err;
      }
    });
  }

  /** Platform roles of a directory user by the configured group mapping (empty: may not log in). */
  rolesOf(user: DirectoryUser): string[] {
    const roles = new Set<string>();
    for (const g of user.groups) for (const r of this.cfg.groupRoles.get(g) ?? []) roles.add(r);
    return [...roles].sort();
  }
}
