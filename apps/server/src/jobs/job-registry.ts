/**
 * The extension point of background jobs: each capability registers a handler per job kind
 * (`model.train`, `campaign.launch`, …) from its module's onModuleInit. The runner takes only jobs
 * whose kind this process has a handler for, so a process built without a capability never claims
 * its jobs.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { JobView } from '@crm/shared';

export interface JobContext {
  readonly id: string;
  readonly kind: string;
  /** The JSON given to enqueue. */
  readonly params: unknown;
  /** The last checkpoint saved by progress(); null on the first run — resume from it. */
  readonly cursor: unknown;
  /** The starter's user id. */
  readonly createdBy: string | null;
  /** Aborted when the process shuts down: stop at the next batch boundary and return (the job stays unfinished and resumes later). */
  readonly signal: AbortSignal;
  /** Saves progress (and a resume checkpoint). With `tx` it is written inside that transaction, so a batch and its checkpoint commit together. */
  progress(p: { done: number; total?: number; cursor?: unknown }, tx?: PoolClient): Promise<void>;
}

export interface JobHandler {
  readonly kind: string;
  /** The returned object is the job's `result`. Throw an AppError for a failure the starter should read. */
  run(ctx: JobContext): Promise<Record<string, unknown> | void>;
}

/** Long work kept in a module's own table (e.g. imports) shown through `/api/jobs/:id` too. */
export interface JobSource {
  readonly name: string;
  get(id: string): Promise<JobView | null>;
}

const KIND = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/;

@Injectable()
export class JobRegistry {
  private readonly handlers = new Map<string, JobHandler>();
  private readonly sources: JobSource[] = [];
  /** Called when a handler is registered (the runner wakes: queued jobs of that kind may be waiting). */
  onChange: () => void = () => undefined;

  register(handler: JobHandler): void {
    if (!KIND.test(handler.kind)) throw new Error(`job kind "${handler.kind}" must be dotted lower-case words`);
    if (this.handlers.has(handler.kind)) throw new Error(`job kind "${handler.kind}" is registered twice`);
    this.handlers.set(handler.kind, handler);
    this.onChange();
  }

  registerSource(source: JobSource): void {
    this.sources.push(source);
  }

  handler(kind: string): JobHandler | undefined {
    return this.handlers.get(kind);
  }

  kinds(): string[] {
    return [...this.handlers.keys()];
  }

  sourcesInOrder(): readonly JobSource[] {
    return this.sources;
  }
}
