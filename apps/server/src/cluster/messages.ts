/** What the cluster primary and its HTTP workers tell each other over the IPC channel. */

/**
 * Primary → worker: `crm:start` once, the database to use (the primary's embedded PostgreSQL, or null
 * for DATABASE_URL); `crm:changes`, cache changes another worker made, to apply and acknowledge;
 * `crm:changes-done`, every other worker applied the changes this worker sent under that id.
 */
export type PrimaryMessage =
  | { type: 'crm:start'; databaseUrl: string | null }
  | { type: 'crm:changes'; id: number; changes: unknown }
  | { type: 'crm:changes-done'; id: number };

/**
 * Worker → primary: `crm:hello` once its listener is in place (a message sent before that would be
 * lost), then `crm:listening` once it listens (migrations, seeding and bootstrap are done).
 */
export type WorkerMessage =
  | { type: 'crm:hello' }
  | { type: 'crm:listening'; url: string }
  /** Cache changes a request made here, for the other workers (answered by `crm:changes-done`). */
  | { type: 'crm:changes'; id: number; changes: unknown }
  | { type: 'crm:changes-ack'; id: number };

export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  if (typeof m !== 'object' || m === null) return false;
  const p = m as { type?: unknown; id?: unknown };
  return p.type === 'crm:start' || ((p.type === 'crm:changes' || p.type === 'crm:changes-done') && typeof p.id === 'number');
}

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (typeof m !== 'object' || m === null) return false;
  const w = m as { type?: unknown; url?: unknown; id?: unknown };
  if (w.type === 'crm:changes' || w.type === 'crm:changes-ack') return typeof w.id === 'number';
  return w.type === 'crm:hello' || (w.type === 'crm:listening' && typeof w.url === 'string');
}
