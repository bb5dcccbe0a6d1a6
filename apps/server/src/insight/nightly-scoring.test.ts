/**
 * The nightly scoring against a real PostgreSQL with an injected clock: before the hour (Beijing time)
 * nothing starts; from it, one `model.score` job per trained model with a score field for that night —
 * however often the clock ticks, and from two schedulers at once; a draft or a model without a score
 * field is left out; a scoring started by hand that is still running defers the night's job to a later
 * tick; the next night scores again.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import pino from 'pino';
import type { AppConfig } from '../config/config.js';
import type { Db } from '../database/db.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { JobRegistry } from '../jobs/job-registry.js';
import { JobsService } from '../jobs/jobs.service.js';
import { NightlyScoring, nightOf } from './nightly-scoring.js';

let db: Db;
let drop: (() => Promise<void>) | undefined;
let jobs: JobsService;
const config = { jobWorkers: true, modelScoreHour: 2 } as AppConfig;
const scheduler = (at: string) => new NightlyScoring(db, jobs, config, pino({ level: 'silent' }), () => new Date(at));
const nightly = async () => db.query<{ model: string; night: string; status: string }>(
  `SELECT params->>'model' AS model, params->>'night' AS night, status FROM crm.jobs WHERE kind = 'model.score' ORDER BY created_at, params->>'model'`);

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('nightly'));
  const registry = new JobRegistry();
  registry.register({ kind: 'model.score', run: async () => ({}) });
  jobs = new JobsService(db, registry);
});
afterAll(async () => {
  await drop?.();
});
beforeEach(async () => {
  await db.query('DELETE FROM crm.jobs');
  await db.query('DELETE FROM crm.models');
  const model = (key: string, version: number | null, scoreField?: string) => db.query(
    `INSERT INTO crm.models (key, object_key, definition, latest_version) VALUES ($1, 'customer', $2::jsonb, $3)`,
    [key, JSON.stringify({ name: key, object: 'customer', ...(scoreField ? { scoreField } : {}) }), version]);
  await model('churn', 3, 'churn_score');
  await model('upsell', 1, 'upsell_score');
  await model('draft', null, 'draft_score');
  await model('unscored', 2);
});

describe('nightly scoring', () => {
  it('the night begins at the hour, Beijing time', () => {
    expect(nightOf(new Date('2026-03-04T17:59:59Z'), 2)).toBeNull(); // 01:59 on the 5th in Beijing
    expect(nightOf(new Date('2026-03-04T18:00:00Z'), 2)).toBe('2026-03-05');
    expect(nightOf(new Date('2026-03-05T15:00:00Z'), 2)).toBe('2026-03-05'); // 23:00 the same day
    expect(nightOf(new Date('2026-03-05T18:00:00Z'), 24)).toBeNull(); // switched off
  });

  it('enqueues each trained model with a score field once a night, however often and from however many processes it ticks', async () => {
    expect(await scheduler('2026-03-04T17:30:00Z').tick()).toEqual([]);
    const first = await Promise.all([scheduler('2026-03-04T18:01:00Z').tick(), scheduler('2026-03-04T18:01:00Z').tick()]);
    expect(first.flat().sort()).toEqual(['churn', 'upsell']);
    expect(await scheduler('2026-03-04T19:00:00Z').tick()).toEqual([]);
    expect(await nightly()).toEqual([
      { model: 'churn', night: '2026-03-05', status: 'queued' },
      { model: 'upsell', night: '2026-03-05', status: 'queued' },
    ]);
    const job = await db.one<{ params: unknown; created_by: string | null }>(`SELECT params, created_by FROM crm.jobs WHERE params->>'model' = 'churn'`);
    expect(job).toEqual({ params: { model: 'churn', version: 3, night: '2026-03-05' }, created_by: null });
    // the next night: again
    await db.query(`UPDATE crm.jobs SET status = 'done'`);
    expect((await scheduler('2026-03-05T18:00:00Z').tick()).sort()).toEqual(['churn', 'upsell']);
  });

  it('a scoring started by hand and still running defers the night to a later tick', async () => {
    await jobs.enqueue('model.score', { model: 'churn', version: 3 }, { createdBy: null, dedupeKey: 'model.score:churn' });
    expect(await scheduler('2026-03-04T18:05:00Z').tick()).toEqual(['upsell']);
    expect(await scheduler('2026-03-04T18:06:00Z').tick()).toEqual([]);
    await db.query(`UPDATE crm.jobs SET status = 'done' WHERE params->>'night' IS NULL`);
    expect(await scheduler('2026-03-04T18:07:00Z').tick()).toEqual(['churn']);
  });
});
