export function ProcessDesignerPage(_p: { create?: boolean }) { return null; }
