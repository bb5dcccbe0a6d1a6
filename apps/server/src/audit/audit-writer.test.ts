/**
 * The one audit writer against a real PostgreSQL: an entry written on its own, folded into a
 * writer's statement as VALUES, and written as part of a workflow step's set of rows becomes the
 * same row (actor, address and request id from the request; outcome kept), and the sealed chain
 * over all of them verifies — and still catches an edited row.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Db } from '../database/db.js';
import { scratchDatabase } from '../database/scratch-database.test-util.js';
import { RequestContext } from '../common/request-context.js';
import type { AppConfig } from '../config/config.js';
import type { Principal } from '../auth/principal.js';
import { AuditService } from './audit.service.js';
import { auditInsertParts, auditInsertRowsSql, auditRow, type AuditEntry } from './audit-writer.js';

const config = { crypto: 'aes', dataKey: Buffer.alloc(32, 11) } as AppConfig;
const principal: Principal = { id: '00000000-0000-4000-8000-000000000001', username: 'writer', displayName: null, roles: [], orgUnitId: null, via: 'token' };
const facts = { requestId: 'req-42', ip: '10.1.2.3', lang: 'zh-CN' as const, principal };

let db: Db;
let drop: (() => Promise<void>) | undefined;
let audit: AuditService;

const COLUMNS = 'actor_id::text AS actor_id, actor_name, action, object, record_id, outcome, ip, request_id, data';
const rowsOf = (action: string) => db.query(`SELECT ${COLUMNS} FROM crm.audit_log WHERE action = $1 ORDER BY seq`, [action]);

beforeAll(async () => {
  ({ db, drop } = await scratchDatabase('aw'));
  audit = new AuditService(db, config);
});

afterAll(async () => {
  await drop?.();
});

describe('the one audit writer', () => {
  it('writes the same row whichever path an entry takes', async () => {
    const entry = (action: string): AuditEntry => ({ action, object: 'thing', recordId: 'r1', outcome: 'denied', data: { n: 1, 名: '值' } });
    await RequestContext.run(facts, async () => {
      await audit.record(entry('path.single'));
      const parts = auditInsertParts(entry('path.values'), 2);
      await db.query(`WITH x AS (SELECT $1::int AS n) INSERT INTO crm.audit_log (${parts.columns}) SELECT ${parts.values} FROM x`, [7, ...parts.params]);
      const params: unknown[] = [];
      const sql = auditInsertRowsSql([auditRow(entry('path.rows')), auditRow(entry('path.rows'))], (v) => {
        params.push(v);
        return `$${params.length}`;
      });
      await db.query(`WITH au AS (${sql}) SELECT 1`, params);
    });
    const expected = { actor_id: principal.id, actor_name: 'writer', object: 'thing', record_id: 'r1', outcome: 'denied', ip: '10.1.2.3', request_id: 'req-42', data: { n: 1, 名: '值' } };
    expect(await rowsOf('path.single')).toEqual([{ ...expected, action: 'path.single' }]);
    expect(await rowsOf('path.values')).toEqual([{ ...expected, action: 'path.values' }]);
    expect(await rowsOf('path.rows')).toEqual([{ ...expected, action: 'path.rows' }, { ...expected, action: 'path.rows' }]);
  });

  it('names the actor the entry gives over the request\'s, and writes success by default', async () => {
    await RequestContext.run(facts, () => audit.record({ action: 'path.named', actorId: null, actorName: 'system' }));
    expect(await rowsOf('path.named')).toEqual([expect.objectContaining({ actor_id: null, actor_name: 'system', outcome: 'success', request_id: 'req-42', data: {} })]);
  });

  it('chains every entry it wrote so that verify passes, and catches one edited afterwards', async () => {
    await expect(audit.verify()).resolves.toMatchObject({ ok: true });
    const { checked } = (await audit.verify()) as { checked: number };
    expect(checked).toBeGreaterThanOrEqual(5);
    // As a superuser who bypasses the insert-only trigger would: the chain names the altered entry.
    const [target] = await db.query<{ seq: string }>(`SELECT seq::text AS seq FROM crm.audit_log WHERE action = 'path.values'`);
    await db.tx(async (c) => {
      await c.query('SET LOCAL session_replication_role = replica');
      await c.query(`UPDATE crm.audit_log SET data = '{"n": 2}' WHERE seq = $1`, [target!.seq]);
    });
    await expect(audit.verify()).resolves.toMatchObject({ ok: false, reason: 'altered', firstBrokenSeq: Number(target!.seq) });
  });
});
