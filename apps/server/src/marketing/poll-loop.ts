/** A background loop of the marketing module: runs `work` every `ms` (after the previous run ended) until stopped; a failed run is logged by its error code. */
import type { Logger } from 'pino';

export class PollLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  start(work: () => Promise<unknown>, ms: number): void {
    this.stopped = false;
    const next = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        work()
          .catch((err: unknown) => this.logger.warn({ err: { code: (err as { code?: string }).code } }, `${this.what}: a run failed`))
          .finally(next);
      }, ms);
      this.timer.unref();
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
