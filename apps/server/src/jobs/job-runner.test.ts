/**
 * The background-job runner on a real PostgreSQL: jobs run once to their result, failures are
 * answered without leaking internals, a job of a process that dies is taken over from its last
 * committed checkpoint (and the dead process cannot finish it afterwards), shutdown leaves a job to be
 * resumed, and a job is never claimed by a process without its handler.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { PoolClient } from 'pg';
import { scratchDatabase, type ScratchDatabase } from '../database/scratch-database.test-util.js';
import { ADVISORY_LOCKS } from '../database/advisory-locks.js';
import { AppError } from '../common/app-error.js';
import { JobRegistry, type JobContext, type JobHandler } from './job-registry.js';
import { JobsService } from './jobs.service.js';
import { JobRunner, MAX_ATTEMPTS } from './job-runner.js';

const config = { jobWorkers: true, jobs: { pollMs: 3_600_000, leaseMs: 0, backoffMs: 0, batch: 1, concurrency: 1, maxAttempts: 1 } };

describe('background jobs', () => {
  let scratch: ScratchDatabase;
  const runners: JobRunner[] = [];
  beforeAll(async () => {
    scratch = await scratchDatabase('jobs', 8);
    await scratch.db.pool.query('CREATE TABLE public.done_items (job uuid, n int, PRIMARY KEY (job, n))');
  });
  afterAll(async () => {
    for (const r of runners) await r.onModuleDestroy();
    await scratch?.drop();
  });

  function node(...handlers: JobHandler[]): { jobs: JobsService; runner: JobRunner } {
    const registry = new JobRegistry();
    for (const h of handlers) registry.register(h);
    const jobs = new JobsService(scratch.db, registry);
    const runner = new JobRunner(scratch.db, config, registry, jobs);
    runners.push(runner);
    runner.onApplicationBootstrap();
    return { jobs, runner };
  }

  /** A batch job over items 1..total: each batch writes its items and its checkpoint in one transaction. */
  function counting(kind: string, hooks: { afterBatch?: (ctx: JobContext, next: number) => Promise<void> } = {}): JobHandler {
    return {
      kind,
      async run(ctx) {
        const total = (ctx.params as { total: number }).total;
        let next = (ctx.cursor as { next: number } | null)?.next ?? 1;
        while (next <= total) {
          if (ctx.signal.aborted) return;
          const end = Math.min(total, next + 9);
          await scratch.db.tx(async (tx: PoolClient) => {
            await tx.query('INSERT INTO public.done_items SELECT $1::uuid, g FROM generate_series($2::int, $3::int) g', [ctx.id, next, end]);
            await ctx.progress({ done: end, total, cursor: { next: end + 1 } }, tx);
          });
          next = end + 1;
          await hooks.afterBatch?.(ctx, next);
        }
        return { counted: total };
      },
    };
  }

  const items = async (job: string) =>
    (await scratch.db.query<{ n: number; c: string }>('SELECT count(*)::text AS c, count(DISTINCT n)::int AS n FROM public.done_items WHERE job = $1::uuid', [job]))[0]!;

  it('runs a job to its result with its progress', async () => {
    const { jobs, runner } = node(counting('test.count'));
    const { jobId } = await jobs.enqueue('test.count', { total: 35 }, { createdBy: null });
    expect((await jobs.get(jobId))!.status).toBe('queued');
    await runner.wake();
    const view = await jobs.get(jobId);
    expect(view).toMatchObject({ id: jobId, kind: 'test.count', status: 'done', progress: { done: 35, total: 35 }, result: { counted: 35 }, createdBy: null });
    expect(view!.finishedAt).not.toBeNull();
    expect(await items(jobId)).toEqual({ c: '35', n: 35 });
  });

  it('allows one unfinished job per dedupe key, and another once it finished', async () => {
    const { jobs, runner } = node(counting('test.dedupe'));
    const first = await jobs.enqueue('test.dedupe', { total: 3 }, { createdBy: null, dedupeKey: 'test.dedupe:a' });
    await expect(jobs.enqueue('test.dedupe', { total: 3 }, { createdBy: null, dedupeKey: 'test.dedupe:a' })).rejects.toMatchObject({ status: 409, code: 'job.already_running' });
    await jobs.enqueue('test.dedupe', { total: 3 }, { createdBy: null, dedupeKey: 'test.dedupe:b' });
    await runner.wake();
    expect((await jobs.get(first.jobId))!.status).toBe('done');
    await expect(jobs.enqueue('test.dedupe', { total: 3 }, { createdBy: null, dedupeKey: 'test.dedupe:a' })).resolves.toHaveProperty('jobId');
  });

  it('enqueued inside a transaction that rolls back, no job exists', async () => {
    const { jobs } = node(counting('test.tx'));
    let id = '';
    await expect(scratch.db.tx(async (tx) => {
      id = (await jobs.enqueue('test.tx', { total: 1 }, { createdBy: null, tx })).jobId;
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await jobs.get(id)).toBeNull();
  });

  it('fails with the translated message of an AppError, and with a generic one otherwise', async () => {
    const { jobs, runner } = node(
      { kind: 'test.refuse', run: async () => { throw new AppError(409, 'job.unknown_kind', { kind: 'x.y' }); } },
      { kind: 'test.crash', run: async () => { throw new Error('connection string postgres://u:secret@db leaked'); } },
    );
    const a = await jobs.enqueue('test.refuse', {}, { createdBy: null });
    const b = await jobs.enqueue('test.crash', {}, { createdBy: null });
    await runner.wake();
    expect(await jobs.get(a.jobId, 'en')).toMatchObject({ status: 'failed', error: { code: 'job.unknown_kind', message: 'This server has no handler for jobs of kind x.y' } });
    expect(await jobs.get(a.jobId, 'zh-CN')).toMatchObject({ error: { message: '本服务器不支持此类后台任务：x.y' } });
    const crashed = await jobs.get(b.jobId, 'en');
    expect(crashed).toMatchObject({ status: 'failed', error: { code: 'job.failed' } });
    expect(JSON.stringify(crashed)).not.toContain('secret');
  });

  it('refuses to enqueue a kind no handler runs', async () => {
    const { jobs } = node();
    await expect(jobs.enqueue('test.nobody', {}, { createdBy: null })).rejects.toMatchObject({ code: 'job.unknown_kind' });
  });

  it('a dead process\'s job is resumed by another from its last checkpoint, every item once, and the dead one cannot finish it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    let reachedGate!: () => void;
    const atGate = new Promise<void>((r) => { reachedGate = r; });
    const dying = node(counting('test.resume', {
      afterBatch: async (_ctx, next) => {
        if (next === 21) {
          reachedGate();
          await gate;
          throw new Error('the process died');
        }
      },
    }));
    const { jobId } = await dying.jobs.enqueue('test.resume', { total: 50 }, { createdBy: null });
    const running = dying.runner.wake();
    await atGate;
    expect(await dying.jobs.get(jobId)).toMatchObject({ status: 'running', progress: { done: 20, total: 50 } });
    // The process "dies": the database ends its lock connection.
    const holder = await scratch.db.one<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext($2)::oid AND objsubid = 2`,
      [ADVISORY_LOCKS['job.run'], jobId],
    );
    expect(holder).toBeDefined();
    await scratch.db.pool.query('SELECT pg_terminate_backend($1)', [holder!.pid]);
    const other = node(counting('test.resume'));
    await other.runner.wake();
    expect(await other.jobs.get(jobId)).toMatchObject({ status: 'done', progress: { done: 50, total: 50 }, result: { counted: 50 } });
    release();
    await running;
    expect(await other.jobs.get(jobId)).toMatchObject({ status: 'done', result: { counted: 50 } });
    expect(await items(jobId)).toEqual({ c: '50', n: 50 });
  });

  it('on shutdown a job stops at a batch boundary, stays unfinished and is resumed later', async () => {
    const holder: { runner?: JobRunner } = {};
    const first = node(counting('test.shutdown', { afterBatch: async (_ctx, next) => { if (next === 11) void holder.runner!.onModuleDestroy(); } }));
    holder.runner = first.runner;
    const { jobId } = await first.jobs.enqueue('test.shutdown', { total: 30 }, { createdBy: null });
    await first.runner.wake();
    expect(await first.jobs.get(jobId)).toMatchObject({ status: 'running', progress: { done: 10 } });
    const second = node(counting('test.shutdown'));
    await second.runner.wake();
    expect(await second.jobs.get(jobId)).toMatchObject({ status: 'done', progress: { done: 30 } });
    expect(await items(jobId)).toEqual({ c: '30', n: 30 });
  });

  it('leaves jobs of kinds it has no handler for, and fails a job interrupted too often', async () => {
    const { jobs, runner } = node(counting('test.often'));
    const foreign = await scratch.db.one<{ id: string }>(`INSERT INTO crm.jobs (kind) VALUES ('other.kind') RETURNING id::text AS id`);
    const { jobId } = await jobs.enqueue('test.often', { total: 5 }, { createdBy: null });
    await scratch.db.pool.query('UPDATE crm.jobs SET status = $2, attempts = $3 WHERE id = $1::uuid', [jobId, 'running', MAX_ATTEMPTS]);
    await runner.wake();
    expect(await jobs.get(jobId, 'en')).toMatchObject({ status: 'failed', error: { code: 'job.too_many_attempts' } });
    expect(await items(jobId)).toEqual({ c: '0', n: 0 });
    expect((await jobs.get(foreign!.id))!.status).toBe('queued');
  });
});
