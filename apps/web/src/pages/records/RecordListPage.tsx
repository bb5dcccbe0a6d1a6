export function RecordListPage(_p: { create?: boolean }) { return null; }
