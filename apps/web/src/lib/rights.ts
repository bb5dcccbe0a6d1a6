/**
 * What the signed-in user may do, from `GET /api/auth/me`: platform rights (`designer`, `admin.users`,
 * …) and, per object, the actions their roles allow (`create`, `read`, `update`, `delete`, `export`;
 * the key `*` stands for every object). Menus, routes and buttons ask here so that nobody is offered
 * what the server would refuse; the server still checks every request (row scopes, field rights).
 *
 * Until `/api/auth/me` has answered, `ready` is false and every check says no (deny by default): a
 * screen waits for `ready` before it asks the server for something the user may not read.
 */
import { useMemo } from 'react';
import type { CurrentUser, ObjectAction, PlatformRight } from '@crm/shared';
import { useAuth } from './api';

export interface Rights {
  /** The caller's rights are known (the answer of `/api/auth/me` arrived). */
  ready: boolean;
  /** Holds the platform right. */
  has(right: PlatformRight): boolean;
  /** Holds at least one of the platform rights. */
  hasAny(...rights: PlatformRight[]): boolean;
  /** May do `action` on records of `object`. */
  can(object: string | undefined, action: ObjectAction): boolean;
}

/** A requirement on an entry (menu item, route, button): every named part must hold. */
export interface Requirement {
  /** One of these platform rights. */
  right?: PlatformRight | PlatformRight[];
  /** An action on an object (read unless `action` says otherwise). */
  object?: string;
  action?: ObjectAction;
}

type Known = Pick<CurrentUser, 'platform' | 'objects'>;

/** The rights of a user as `/api/auth/me` describes them (anything missing: none). */
export function rightsOf(user: Partial<Known> | null | undefined): Rights {
  const ready = !!user?.platform && !!user.objects;
  const platform = new Set<string>(user?.platform ?? []);
  const objects = user?.objects ?? {};
  const has = (right: PlatformRight) => platform.has(right);
  return {
    ready,
    has,
    hasAny: (...rights) => rights.some(has),
    can: (object, action) => !!object && ready && (!!objects[object]?.includes(action) || !!objects['*']?.includes(action)),
  };
}

/** A requirement, or a test of the rights for what one cannot express (e.g. a right OR an object action). */
export type Need = Requirement | ((r: Rights) => boolean);

/** Whether the rights meet a requirement (none named: any signed-in user). */
export function meets(r: Rights, req: Need | undefined): boolean {
  if (!req) return true;
  if (typeof req === 'function') return r.ready && req(r);
  if (req.right !== undefined && !r.hasAny(...(Array.isArray(req.right) ? req.right : [req.right]))) return false;
  if (req.object !== undefined && !r.can(req.object, req.action ?? 'read')) return false;
  return true;
}

/** The signed-in user's rights (re-rendered when `/api/auth/me` answers). */
export function useRights(): Rights {
  const platform = useAuth((s) => s.user?.platform);
  const objects = useAuth((s) => s.user?.objects);
  return useMemo(() => rightsOf({ platform, objects }), [platform, objects]);
}

/** May the signed-in user do `action` on records of `object`? (`false` until the rights are known.) */
export function useCan(object: string | undefined, action: ObjectAction): boolean {
  return useRights().can(object, action);
}

/** Does the signed-in user hold the platform right? (`false` until the rights are known.) */
export function useHasRight(right: PlatformRight): boolean {
  return useRights().has(right);
}
