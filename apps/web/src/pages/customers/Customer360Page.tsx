export function Customer360Page() { return null; }
export function CustomerPickPage() { return null; }
