export function AuditPage(_p: { create?: boolean }) { return null; }
