/** What the cluster primary and its HTTP workers tell each other over the IPC channel. */

/** Primary → worker, once: the database to use (the primary's embedded PostgreSQL), or null for DATABASE_URL. */
export interface PrimaryMessage {
  type: 'crm:start';
  databaseUrl: string | null;
}

/**
 * Worker → primary: `crm:hello` once its listener is in place (a message sent before that would be
 * lost), then `crm:listening` once it listens (migrations, seeding and bootstrap are done).
 */
export type WorkerMessage = { type: 'crm:hello' } | { type: 'crm:listening'; url: string };

export function isPrimaryMessage(m: unknown): m is PrimaryMessage {
  return typeof m === 'object' && m !== null && (m as PrimaryMessage).type === 'crm:start';
}

export function isWorkerMessage(m: unknown): m is WorkerMessage {
  if (typeof m !== 'object' || m === null) return false;
  const w = m as { type?: unknown; url?: unknown };
  return w.type === 'crm:hello' || (w.type === 'crm:listening' && typeof w.url === 'string');
}
