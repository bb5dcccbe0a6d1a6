/**
 * Decides what a principal may do with an object, from the permissions of all their roles.
 * Actions and field rights are a CASL ability (deny by default: only what a role grants); row scopes
 * compile to a SQL condition that the records queries embed, so counts and pages stay right.
 */
import { Injectable } from '@nestjs/common';
import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { Db } from '../database/db.js';
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
  private cache = new Map<string, { at: number; perms: Permission[] }>();

  constructor(private readonly db: Db) {}

  /** Permissions of a set of roles; cached for a second (role edits also clear it at once). */
  async permissionsOf(roles: string[]): Promise<Permission[]> {
    const key = [...roles].sort().join(',');
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < 1000) return hit.perms;
    const rows = await this.db.query<RoleRow>('SELECT key, permissions FROM crm.roles WHERE key = ANY($1)', [roles]);
    const perms = rows.flatMap((r) => r.permissions ?? []);
    this.cache.set(key, { at: Date.now(), perms });
    return perms;
  }

  clearCache(): void {
    this.cache.clear();
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
    const modes = new Map<string, FieldMode>();
    const defaults: FieldMode[] = [];
    for (const perm of perms) {
      if (!perm.actions.includes('read')) continue;
      const def: FieldMode = perm.actions.includes('update') || perm.actions.includes('create') ? 'write' : 'read';
      defaults.push(def);
      for (const [f, m] of Object.entries(perm.fields ?? {})) {
        const prev = modes.get(f);
        if (prev === undefined || MODE_RANK[m] > MODE_RANK[prev]) modes.set(f, m);
      }
    }
    // A field named by no role follows the most generous role's actions; named fields take the
    // most generous explicit mode, but never more than that role allows for unnamed fields.
    const defaultMode = defaults.reduce<FieldMode>((a, b) => (MODE_RANK[b] > MODE_RANK[a] ? b : a), 'none');
    const namedByAll = (f: string) => perms.filter((x) => x.actions.includes('read')).every((x) => x.fields && f in x.fields);
    return {
      object,
      can: (action) => ability.can(action, object),
      scopes: (action) => perms.filter((x) => x.actions.includes(action)).map((x) => x.scope),
      fieldMode: (f) => {
        const explicit = modes.get(f);
        if (explicit === undefined) return defaultMode;
        return namedByAll(f) ? explicit : (MODE_RANK[explicit] > MODE_RANK[defaultMode] ? explicit : defaultMode);
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
