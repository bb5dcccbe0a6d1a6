export function RolesPage(_p: { create?: boolean }) { return null; }
