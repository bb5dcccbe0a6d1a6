export function OrgTreePage(_p: { create?: boolean }) { return null; }
