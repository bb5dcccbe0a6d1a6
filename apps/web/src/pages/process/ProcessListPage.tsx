export function ProcessListPage(_p: { create?: boolean }) { return null; }
