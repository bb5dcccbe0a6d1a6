/**
 * Four-eyes requests waiting for a second person: password resets of, and duty grants to, holders of
 * the authorisation or audit duty. Shown to every duty holder; the approve button only to a holder of
 * another duty than the requester's (the server checks the same rule). An approved reset shows the
 * temporary password once.
 */
import { App, Button, Card, Space, Table, Tag, Typography } from 'antd';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import type { AdminUser, PasswordResetResult, PendingApproval } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert } from '../../components/common';

const USER_ADMIN = ['admin.users', 'admin.org'];
const OTHER_DUTIES = ['admin.roles', 'audit.read', 'audit.verify'];

/** Shows a temporary password once, for the approver or administrator to hand over. */
export function showTemporaryPassword(modal: ReturnType<typeof App.useApp>['modal'], t: ReturnType<typeof useT>, username: string, password: string) {
  modal.success({
    title: t(`${username} 的临时密码`, `Temporary password of ${username}`),
    content: (
      <div>
        <Typography.Paragraph copyable={{ text: password }} data-testid="temporary-password"><code>{password}</code></Typography.Paragraph>
        <Typography.Paragraph type="secondary">
          {t('只显示这一次。用户用它登录后必须立即修改密码；其原有的登录令牌和 API 密钥已全部失效。', 'Shown this once. The user must change it at the next sign-in; their earlier tokens and API keys no longer work.')}
        </Typography.Paragraph>
      </div>
    ),
  });
}

export function PendingApprovals() {
  const t = useT();
  const qc = useQueryClient();
  const { message, modal } = App.useApp();
  const me = useAuth((s) => s.user);
  const rights: string[] = me?.platform ?? [];
  const isDutyHolder = [...USER_ADMIN, ...OTHER_DUTIES].some((r) => rights.includes(r));
  const resets = useQuery({ queryKey: ['admin', 'password-resets'], queryFn: () => api.admin.listPasswordResets(), enabled: isDutyHolder });
  const grants = useQuery({ queryKey: ['admin', 'role-grants'], queryFn: () => api.admin.listRoleGrants(), enabled: isDutyHolder });
  const approve = useMutation({
    mutationFn: async (a: PendingApproval): Promise<PasswordResetResult | { user: AdminUser }> =>
      a.kind === 'password_reset' ? api.admin.approvePasswordReset(a.id) : api.admin.approveRoleGrant(a.id),
    onSuccess: (res, a) => {
      if ('temporaryPassword' in res) showTemporaryPassword(modal, t, a.username, res.temporaryPassword);
      else message.success(t('已批准', 'Approved'));
      qc.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const reject = useMutation({
    mutationFn: (a: PendingApproval) => api.admin.rejectApproval(a),
    onSuccess: () => { message.success(t('已撤回或驳回', 'Withdrawn or declined')); qc.invalidateQueries({ queryKey: ['admin'] }); },
  });
  const rows = [...(resets.data ?? []), ...(grants.data ?? [])];
  if (!isDutyHolder || !rows.length) return null;
  // A user administrator's requests are approved by the authorisation or audit duty, never by another user administrator.
  const mayApprove = (a: PendingApproval) =>
    !!me && a.requestedBy !== me.id && a.userId !== me.id && OTHER_DUTIES.some((r) => rights.includes(r)) && !USER_ADMIN.some((r) => rights.includes(r));
  return (
    <Card title={t('待复核的申请（四眼原则）', 'Requests awaiting a second approver')} style={{ marginBottom: 16 }} data-testid="pending-approvals">
      <ErrorAlert error={approve.error ?? reject.error ?? resets.error ?? grants.error} />
      <Table<PendingApproval>
        rowKey="id"
        size="small"
        pagination={false}
        dataSource={rows}
        columns={[
          { title: t('类型', 'Kind'), render: (_, a) => (a.kind === 'password_reset' ? <Tag color="orange">{t('重置密码', 'Password reset')}</Tag> : <Tag color="red">{t('授予职责角色', 'Duty grant')}</Tag>) },
          { title: t('用户', 'User'), render: (_, a) => <code>{a.username}</code> },
          { title: t('变更', 'Change'), render: (_, a) => (a.change?.roles ? a.change.roles.join('、') : '—') },
          { title: t('申请人', 'Requested by'), dataIndex: 'requestedByName' },
          { title: t('申请时间', 'Requested at'), render: (_, a) => dayjs(a.requestedAt).format('YYYY-MM-DD HH:mm') },
          {
            title: t('操作', 'Actions'),
            render: (_, a) => (
              <Space>
                {mayApprove(a) ? (
                  <Button size="small" type="primary" loading={approve.isPending} onClick={() => approve.mutate(a)} data-testid={`approve-${a.username}`}>{t('批准', 'Approve')}</Button>
                ) : (
                  <Typography.Text type="secondary">{t('待其他职责人员批准', 'Awaiting another duty')}</Typography.Text>
                )}
                {(mayApprove(a) || a.requestedBy === me?.id) && (
                  <Button size="small" danger loading={reject.isPending} onClick={() => reject.mutate(a)} data-testid={`reject-${a.username}`}>
                    {a.requestedBy === me?.id ? t('撤回', 'Withdraw') : t('驳回', 'Decline')}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}
