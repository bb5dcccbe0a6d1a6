/**
 * Decides what a principal may do with an object, from the permissions of all their roles.
 * Actions and field rights are a CASL ability (deny by default: only what a role grants); row scopes
 * compile to a SQL condition that the records queries embed, so counts and pages stay right.
 */
import { Injectable, Optional } from '@nestjs/common';
import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { Db } from '../database/db.js';
import { ChangeFeed } from '../database/change-feed.js';
import { NotifiedCache } from '../database/notified-cache.js';
import type { Principal } from '../auth/principal.js';
import type { FieldMode, ObjectAction, Permission, Scope } from './permission.types.js';

type AppAbility = MongoAbility<[ObjectAction | 'unmask', string]>;

const MODE_RANK: Record<FieldMode, number> = { none: 0, masked: 1, read: 2, write: 3 };

export interface ObjectAccess {
  object: string;
  can(action: ObjectAction): boolean;
  /** The scopes of the roles granting this action (OR-ed); empty when none. */
  scopes(action: ObjectAction): Scope[];
  fieldMode(field: string): FieldMode;
  /** Whether this caller sees sensitive fields in clear. */
  unmask: boolean;
}

interface RoleRow {
  key: string;
  permissions: Permission[];
}

@Injectable()
export class AccessService {
  private readonly cache: NotifiedCache<{ perms: Permission[]; platform: Set<string> }>;

  constructor(
    private readonly db: Db,
    @Optional() private readonly feed?: ChangeFeed,
  ) {
    this.cache = new NotifiedCache(feed, 'roles', { fallbackMs: 1000, liveMs: 60_000, maxEntries: 1000 });
  }

  /**
   * What a set of roles grants, read in one query; cached until a role changes (in any process, told
   * by the change feed) — for a second only while change notifications are down.
   */
  private grants(roles: string[]): Promise<{ perms: Permission[]; platform: Set<string> }> {
    return this.cache.get([...roles].sort().join(','), async () => {
      const rows = await this.db.query<RoleRow & { platform: string[] }>('SELECT key, permissions, platform FROM crm.roles WHERE key = ANY($1)', [roles]);
      return { perms: rows.flatMap((r) => r.permissions ?? []), platform: new Set(rows.flatMap((r) => r.platform ?? [])) };
    });
  }

  /** Object permissions of a set of roles. */
  async permissionsOf(roles: string[]): Promise<Permission[]> {
    return (await this.grants(roles)).perms;
  }

  /** Platform rights (designer, admin.users, audit.read, …) of a set of roles. */
  async platformRights(roles: string[]): Promise<Set<string>> {
    return (await this.grants(roles)).platform;
  }

  /**
   * The actions a set of roles allows per object key (`*`: every object), sorted: what the web app
   * builds its menus and buttons from. Row scopes and field rights still apply on every request.
   */
  async objectActions(roles: string[]): Promise<Record<string, ObjectAction[]>> {
    const byObject = new Map<string, Set<ObjectAction>>();
    for (const perm of await this.permissionsOf(roles)) {
      const actions = byObject.get(perm.object) ?? new Set<ObjectAction>();
      for (const a of perm.actions) actions.add(a);
      byObject.set(perm.object, actions);
    }
    return Object.fromEntries([...byObject].filter(([, a]) => a.size > 0).sort(([a], [b]) => a.localeCompare(b)).map(([o, a]) => [o, [...a].sort()]));
  }

  clearCache(): void {
    this.cache.clear();
    this.feed?.changed('roles');
  }

  async forObject(p: Principal | null, object: string): Promise<ObjectAccess> {
    if (!p) return SYSTEM_ACCESS(object);
    const perms = (await this.permissionsOf(p.roles)).filter((x) => x.object === object || x.object === '*');
    const rules: RawRuleOf<AppAbility>[] = [];
    for (const perm of perms) {
      for (const action of perm.actions) rules.push({ action, subject: object });
      if (perm.unmask) rules.push({ action: 'unmask', subject: object });
    }
    const ability = createMongoAbility<AppAbility>(rules);
    // Each granting role gives a field its named mode, or else the mode its actions imply; a role
    // without create/update never gives more than read. Several roles: the most generous wins.
    const reading = perms.filter((x) => x.actions.includes('read'));
    const modeIn = (perm: Permission, f: string): FieldMode => {
      const cap: FieldMode = perm.actions.includes('update') || perm.actions.includes('create') ? 'write' : 'read';
      const named = perm.fields?.[f];
      return named === undefined ? cap : MODE_RANK[named] > MODE_RANK[cap] ? cap : named;
    };
    const fieldModes = new Map<string, FieldMode>();
    return {
      object,
      can: (action) => ability.can(action, object),
      scopes: (action) => perms.filter((x) => x.actions.includes(action)).map((x) => x.scope),
      fieldMode: (f) => {
        let mode = fieldModes.get(f);
        if (mode === undefined) {
          mode = reading.reduce<FieldMode>((best, perm) => {
            const m = modeIn(perm, f);
            return MODE_RANK[m] > MODE_RANK[best] ? m : best;
          }, 'none');
          fieldModes.set(f, mode);
        }
        return mode;
      },
      unmask: ability.can('unmask', object),
    };
  }
}

/** Work done by the platform itself (triggers, jobs, templates): everything, in clear. */
const SYSTEM_ACCESS = (object: string): ObjectAccess => ({
  object,
  can: () => true,
  scopes: () => ['all'],
  fieldMode: () => 'write',
  unmask: true,
});
