/** The permission shape of API.md, as stored in crm.roles.permissions. */
export const OBJECT_ACTIONS = ['create', 'read', 'update', 'delete', 'export'] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];
export type FieldMode = 'write' | 'read' | 'masked' | 'none';
export type Scope = 'own' | 'team' | 'org_unit' | 'org_subtree' | 'all' | { filter: Record<string, unknown> };

export interface Permission {
  /** An object key, or "*" for every object. */
  object: string;
  actions: ObjectAction[];
  scope: Scope;
  fields?: Record<string, FieldMode>;
  unmask?: boolean;
}
