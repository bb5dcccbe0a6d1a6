/** Four-eyes requests (crm.admin_approvals): filed by one person, decided by another. */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { AuditService } from '../audit/audit.service.js';
import type { PendingApproval } from '@crm/shared';

export type ApprovalKind = PendingApproval['kind'];

/** A four-eyes request as stored (the shared contract's shape; `change` is the pending user change). */
export type Approval = Omit<PendingApproval, 'requestedAt'> & { requestedAt: Date };

const COLUMNS = `a.id, a.kind, a.target_user_id AS "userId", t.username, a.requested_by AS "requestedBy", r.username AS "requestedByName",
  a.requested_at AS "requestedAt", a.status, a.payload AS change`;
const FROM = `crm.admin_approvals a JOIN crm.users t ON t.id = a.target_user_id JOIN crm.users r ON r.id = a.requested_by`;

@Injectable()
export class ApprovalsRepository {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
  ) {}

  /** Files a pending request in the caller's transaction (409 when one of its kind is already open for the user). */
  async request(c: PoolClient, kind: ApprovalKind, userId: string, requestedBy: string, change: Record<string, unknown>): Promise<Approval> {
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO crm.admin_approvals (kind, target_user_id, requested_by, payload) VALUES ($1, $2, $3, $4)
       ON CONFLICT (kind, target_user_id) WHERE status = 'pending' DO NOTHING RETURNING id`,
      [kind, userId, requestedBy, JSON.stringify(change)],
    );
    if (!rows.length) throw new AppError(409, 'admin.approval_exists');
    await this.audit.record({ action: `admin.approval.request`, object: 'user', recordId: userId, data: { approvalId: rows[0].id, kind, change } }, c);
    return (await this.lock(c, rows[0].id, kind))!;
  }

  async pending(kind: ApprovalKind): Promise<Approval[]> {
    return this.db.query<Approval & Record<string, unknown>>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.kind = $1 AND a.status = 'pending' ORDER BY a.requested_at LIMIT 500`, [kind]);
  }

  /** The request, locked for the decision; undefined when there is none of this kind. */
  async lock(c: PoolClient, id: string, kind: ApprovalKind): Promise<Approval | undefined> {
    const { rows } = await c.query<Approval & Record<string, unknown>>(`SELECT ${COLUMNS} FROM ${FROM} WHERE a.id = $1 AND a.kind = $2 FOR UPDATE OF a`, [id, kind]);
    return rows[0];
  }

  async decide(c: PoolClient, id: string, by: string, status: 'approved' | 'rejected'): Promise<void> {
    await c.query(`UPDATE crm.admin_approvals SET status = $3, decided_by = $2, decided_at = now() WHERE id = $1`, [id, by, status]);
  }
}
