/** Enqueues background jobs and answers their state (crm.jobs, migration 0027). */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { JobView } from '@crm/shared';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { registerMessages, translate, type Lang } from '../common/i18n.js';
import { JobRegistry } from './job-registry.js';

registerMessages({
  'job.already_running': { 'zh-CN': '同一项后台任务正在进行中，请等待其完成', en: 'The same background job is already running; wait for it to finish' },
  'job.not_found': { 'zh-CN': '后台任务不存在', en: 'No such background job' },
  'job.failed': { 'zh-CN': '后台任务失败，请联系管理员查看服务器日志', en: 'The background job failed; an administrator can read the server log' },
  'job.too_many_attempts': { 'zh-CN': '后台任务多次中断后仍未完成，已停止', en: 'The background job was interrupted too often and was stopped' },
  'job.unknown_kind': { 'zh-CN': '本服务器不支持此类后台任务：{kind}', en: 'This server has no handler for jobs of kind {kind}' },
});

export interface JobRow {
  id: string;
  kind: string;
  status: JobView['status'];
  params: unknown;
  cursor: unknown;
  progress_done: string;
  progress_total: string | null;
  result: Record<string, unknown> | null;
  error_code: string | null;
  error_params: Record<string, unknown> | null;
  attempts: number;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
}

export const JOB_COLUMNS = `id::text AS id, kind, status, params, cursor, progress_done::text AS progress_done, progress_total::text AS progress_total,
  result, error_code, error_params, attempts, created_by::text AS created_by, created_at, finished_at`;

export function jobView(r: JobRow, lang: Lang): JobView {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    progress: { done: Number(r.progress_done), total: r.progress_total === null ? null : Number(r.progress_total) },
    ...(r.result ? { result: r.result } : {}),
    ...(r.error_code ? { error: { code: r.error_code, message: translate(r.error_code, lang, r.error_params ?? {}) } } : {}),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

@Injectable()
export class JobsService {
  /** Set by the runner of this process: wakes it when a job is enqueued here. */
  kick: () => void = () => undefined;

  constructor(private readonly db: Db, private readonly registry: JobRegistry) {}

  /**
   * Queues a job. With `tx` the job exists only if that transaction commits. A `dedupeKey` allows one
   * unfinished job per key: a second is 409 `job.already_running`.
   */
  async enqueue(kind: string, params: unknown, opts: { createdBy: string | null; dedupeKey?: string; tx?: PoolClient }): Promise<{ jobId: string }> {
    if (!this.registry.handler(kind)) throw new AppError(500, 'job.unknown_kind', { kind });
    const q = opts.tx ?? this.db.q;
    const sql = `INSERT INTO crm.jobs (kind, params, dedupe_key, created_by) VALUES ($1, $2::jsonb, $3, $4::uuid)
      ON CONFLICT (dedupe_key) WHERE status IN ('queued', 'running') AND dedupe_key IS NOT NULL DO NOTHING RETURNING id::text AS id`;
    const { rows } = await q.query<{ id: string }>(sql, [kind, JSON.stringify(params ?? {}), opts.dedupeKey ?? null, opts.createdBy]);
    if (!rows[0]) throw new AppError(409, 'job.already_running');
    setImmediate(() => this.kick());
    return { jobId: rows[0].id };
  }

  /** The job's state, from crm.jobs or from a registered source (e.g. imports); null when unknown. */
  async get(id: string, lang: Lang = 'zh-CN'): Promise<JobView | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const row = await this.db.one<JobRow>(`SELECT ${JOB_COLUMNS} FROM crm.jobs WHERE id = $1::uuid`, [id]);
    if (row) return jobView(row, lang);
    for (const source of this.registry.sourcesInOrder()) {
      const view = await source.get(id);
      if (view) return view;
    }
    return null;
  }
}
