export function RecordDetailPage(_p: { create?: boolean }) { return null; }
