export function UsersPage(_p: { create?: boolean }) { return null; }
