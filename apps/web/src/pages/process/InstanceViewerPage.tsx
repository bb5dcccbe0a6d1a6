export function InstanceListPage() { return null; }
export function InstanceViewerPage() { return null; }
