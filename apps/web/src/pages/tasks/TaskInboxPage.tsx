export function TaskInboxPage(_p: { create?: boolean }) { return null; }
