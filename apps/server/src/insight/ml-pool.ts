/**
 * A pool of one worker thread for the model jobs' CPU work (`ml-tasks.ts`): a training of 100,000 × 30
 * takes about a minute of CPU, which on the event loop kept every request waiting (health 503). Tasks
 * run one at a time in order; at most MAX_QUEUED wait (a job runner runs one job at a time, so more
 * means something is wrong: refused rather than piled up). The worker starts on first use and is
 * ended with the module (or when a task is aborted: a training stopped at shutdown). Where the worker
 * file cannot run (the sources under a TypeScript test runner) the tasks run in-process instead.
 */
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { runMlTask, type MlRows, type MlScored, type MlTask, type MlTrained } from './ml-tasks.js';

const MAX_QUEUED = 4;

interface Pending {
  task: MlTask;
  onTree: (done: number, of: number) => void;
  signal?: AbortSignal;
  resolve: (r: MlTrained | MlScored | MlRows) => void;
  reject: (e: Error) => void;
}

export class MlPoolAborted extends Error {}

@Injectable()
export class MlPool implements OnModuleDestroy {
  private worker: Worker | null = null;
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private readonly file = new URL('./ml-worker.js', import.meta.url);
  /** Whether tasks run in a worker thread (false only where the compiled worker file is absent). */
  readonly threaded = !import.meta.url.endsWith('.ts');

  train(task: Extract<MlTask, { op: 'train' }>, onTree: (done: number, of: number) => void, signal?: AbortSignal): Promise<MlTrained> {
    return this.run(task, onTree, signal) as Promise<MlTrained>;
  }

  score(task: Extract<MlTask, { op: 'score' }>, signal?: AbortSignal): Promise<MlScored> {
    return this.run(task, () => undefined, signal) as Promise<MlScored>;
  }

  rows(task: Extract<MlTask, { op: 'rows' }>, signal?: AbortSignal): Promise<MlRows> {
    return this.run(task, () => undefined, signal) as Promise<MlRows>;
  }

  private run(task: MlTask, onTree: Pending['onTree'], signal?: AbortSignal): Promise<MlTrained | MlScored | MlRows> {
    if (!this.threaded) return Promise.resolve(runMlTask(task, onTree));
    if (this.queue.length >= MAX_QUEUED) return Promise.reject(new Error('model worker queue full'));
    return new Promise<MlTrained | MlScored | MlRows>((resolve, reject) => {
      const onAbort = () => this.abort(p);
      const done = () => signal?.removeEventListener('abort', onAbort);
      const p: Pending = { task, onTree, signal, resolve: (r) => { done(); resolve(r); }, reject: (e) => { done(); reject(e); } };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(p);
      this.next();
    });
  }

  private next(): void {
    if (this.current || !this.queue.length) return;
    const p = this.queue.shift()!;
    if (p.signal?.aborted) { p.reject(new MlPoolAborted('aborted')); this.next(); return; }
    this.current = p;
    const w = this.ensureWorker();
    w.postMessage(p.task);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(fileURLToPath(this.file));
    w.unref();
    w.on('message', (m: { progress?: { done: number; of: number }; result?: MlTrained | MlScored | MlRows; error?: string }) => {
      const p = this.current;
      if (!p) return;
      if (m.progress) { p.onTree(m.progress.done, m.progress.of); return; }
      this.current = null;
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result!);
      this.next();
    });
    const died = (err: Error) => {
      if (this.worker !== w) return;
      this.worker = null;
      const p = this.current;
      this.current = null;
      p?.reject(err);
      this.next();
    };
    w.on('error', died);
    w.on('exit', (code) => died(new Error(`model worker exited (${code})`)));
    this.worker = w;
    return w;
  }

  private abort(p: Pending): void {
    const i = this.queue.indexOf(p);
    if (i >= 0) { this.queue.splice(i, 1); p.reject(new MlPoolAborted('aborted')); return; }
    if (this.current === p && this.worker) {
      // the worker is mid-task and cannot be interrupted: end it; the next task starts a new one
      const w = this.worker;
      this.worker = null;
      this.current = null;
      p.reject(new MlPoolAborted('aborted'));
      void w.terminate();
      this.next();
    }
  }

  async onModuleDestroy(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const p of this.queue.splice(0)) p.reject(new MlPoolAborted('shutting down'));
    this.current?.reject(new MlPoolAborted('shutting down'));
    this.current = null;
    await w?.terminate();
  }
}
