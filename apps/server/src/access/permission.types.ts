/** The permission shape of API.md, as stored in crm.roles.permissions: the shared contract's types. */
export { OBJECT_ACTIONS, type ObjectAction, type Permission, type FieldAccess as FieldMode, type RowScope as Scope } from '@crm/shared';
