/**
 * Deciding four-eyes requests. The approver is a second person — neither the requester nor the user
 * concerned — who holds a duty other than every duty of the requester (a user administrator's reset of
 * the auditor is approved by the security administrator or another auditor, never by an administrator).
 */
import type { ApprovedPasswordReset, ApprovedRoleGrant, Items, RejectedApproval, Unserialized } from '@crm/shared';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Db } from '../database/db.js';
import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';
import { AuditService } from '../audit/audit.service.js';
import { AccessService } from '../access/access.service.js';
import { UserCache } from '../auth/user-cache.js';
import type { Principal } from '../auth/principal.js';
import { dutiesOf } from './duties.js';
import { AdminService } from './admin.service.js';
import { ApprovalsRepository, type Approval, type ApprovalKind } from './approvals.repository.js';

registerMessages({
  'admin.approval_pending': {
    'zh-CN': '该操作涉及授权管理、审计职责或敏感数据明文查看，已提交复核，待另一职责人员批准后生效',
    en: 'This touches the authorisation or audit duty or clear reading of sensitive data: it waits for a second person of another duty to approve',
  },
  'admin.approval_exists': { 'zh-CN': '该用户已有待复核的同类申请', en: 'A request of this kind is already pending for this user' },
  'admin.approval_not_found': { 'zh-CN': '复核申请不存在', en: 'No such request' },
  'admin.approval_decided': { 'zh-CN': '该申请已处理', en: 'This request has already been decided' },
  'admin.approval_self': { 'zh-CN': '申请人或被操作的用户本人不能批准该申请', en: 'Neither the requester nor the user concerned may approve the request' },
  'admin.approval_duty': { 'zh-CN': '只有与申请人职责不同的管理员（授权管理或审计）才能批准', en: 'Only a holder of a duty other than the requester\'s may approve' },
  'admin.approval_no_duty': { 'zh-CN': '只有用户管理、授权管理或审计职责人员可以查看复核申请', en: 'Only holders of the user administration, authorisation or audit duty see requests' },
});

@Injectable()
export class ApprovalsService {
  constructor(
    private readonly db: Db,
    private readonly repo: ApprovalsRepository,
    private readonly admin: AdminService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly userCache: UserCache,
  ) {}

  private async dutiesOfRoles(roles: string[]) {
    return dutiesOf(await this.access.platformRights(roles));
  }

  async pending(kind: ApprovalKind, p: Principal): Promise<Items<Approval>> {
    if (!(await this.dutiesOfRoles(p.roles)).size) throw new AppError(403, 'admin.approval_no_duty');
    return { items: await this.repo.pending(kind) };
  }

  async approve(kind: ApprovalKind, id: string, p: Principal): Promise<Unserialized<ApprovedPasswordReset | ApprovedRoleGrant>> {
    let target = '';
    const result = await this.db.tx(async (c) => {
      const req = await this.openRequest(c, kind, id, p);
      await this.assertApprover(c, req, p);
      target = req.userId;
      await this.repo.decide(c, id, p.id, 'approved');
      await this.audit.record({ action: 'admin.approval.approve', object: 'user', recordId: req.userId, data: { approvalId: id, kind, requestedBy: req.requestedByName } }, c);
      if (kind === 'password_reset') return { id, status: 'approved' as const, ...(await this.admin.resetNow(c, req.userId)) };
      return { id, status: 'approved' as const, user: await this.admin.applyUserPatch(c, req.userId, req.change ?? {}) };
    });
    this.userCache.forget(target);
    return result;
  }

  /** Withdrawn by its requester or declined by someone who could approve it; nothing is applied. */
  async reject(kind: ApprovalKind, id: string, p: Principal): Promise<RejectedApproval> {
    return this.db.tx(async (c) => {
      const req = await this.openRequest(c, kind, id, p);
      if (p.id !== req.requestedBy) await this.assertApprover(c, req, p);
      await this.repo.decide(c, id, p.id, 'rejected');
      await this.audit.record({ action: 'admin.approval.reject', object: 'user', recordId: req.userId, data: { approvalId: id, kind, requestedBy: req.requestedByName } }, c);
      return { id, status: 'rejected' as const };
    });
  }

  /** The pending request, locked; the caller must hold a duty. */
  private async openRequest(c: PoolClient, kind: ApprovalKind, id: string, p: Principal): Promise<Approval> {
    if (!(await this.dutiesOfRoles(p.roles)).size) throw new AppError(403, 'admin.approval_no_duty');
    const req = await this.repo.lock(c, id, kind);
    if (!req) throw new AppError(404, 'admin.approval_not_found');
    if (req.status !== 'pending') throw new AppError(409, 'admin.approval_decided');
    return req;
  }

  private async assertApprover(c: PoolClient, req: Approval, p: Principal): Promise<void> {
    if (p.id === req.requestedBy || p.id === req.userId) throw new AppError(403, 'admin.approval_self');
    const mine = await this.dutiesOfRoles(p.roles);
    // The requester's duties as they are now (a requester who has since changed duty changes nothing).
    const { rows } = await c.query<{ roles: string[] }>('SELECT roles FROM crm.users WHERE id = $1', [req.requestedBy]);
    const theirs = await this.dutiesOfRoles(rows[0]?.roles ?? []);
    if ([...mine].some((d) => theirs.has(d))) throw new AppError(403, 'admin.approval_duty');
  }
}
