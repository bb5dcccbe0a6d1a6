/**
 * One dedicated connection LISTENing on PostgreSQL notification channels, for per-process caches that
 * must hear about changes made by any server process (NOTIFY is delivered at commit). While the
 * connection is down `live` is false and the owner must trust nothing it cached; it reconnects every 2 s.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Db } from './db.js';

export interface ChannelHandlers {
  message(channel: string, payload: string | undefined): void;
  /** The connection is (again) listening: anything missed while down must be forgotten. */
  up(): void;
  /** The connection is lost. */
  down(): void;
}

export class ChannelListener {
  private client: pg.PoolClient | null = null;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
    private readonly channels: string[],
    private readonly handlers: ChannelHandlers,
    /** What goes without notifications, for the warning: "user cache", "report cache", … */
    private readonly what: string,
  ) {}

  get live(): boolean {
    return this.client !== null;
  }

  private later(): void {
    this.retry = setTimeout(() => void this.start(), 2000);
    this.retry.unref();
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    try {
      const client = await this.db.pool.connect();
      client.on('notification', (msg) => this.handlers.message(msg.channel, msg.payload));
      const lost = () => {
        if (this.client !== client) return;
        this.client = null;
        this.handlers.down();
        client.release(true);
        this.later();
      };
      client.on('error', lost);
      client.on('end', lost);
      for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
      this.handlers.up();
      this.client = client;
    } catch (err) {
      this.logger.warn({ err }, `${this.what} disabled until the notification channel is back`);
      this.later();
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    c?.release(true);
  }
}
