import { useState } from 'react';
import { App, Button, Card, Drawer, Form, Input, Popconfirm, Select, Space, Switch, Table, Tag, TreeSelect } from 'antd';
import { EditOutlined, KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { type AdminUser } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { orgTree } from '../../components/form/FieldInput';
import { applyServerErrors } from '../objects/ObjectDesigner';
import { PendingApprovals, showTemporaryPassword } from './PendingApprovals';
import { useAuth } from '../../lib/api';

export function UsersPage() {
  const t = useT();
  const qc = useQueryClient();
  const { message, modal } = App.useApp();
  const meId = useAuth((s) => s.user?.id);
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: () => api.admin.listUsers() });
  const roles = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles() });
  const orgs = useQuery({ queryKey: ['admin', 'org-units'], queryFn: () => api.admin.listOrgUnits() });
  const [editing, setEditing] = useState<AdminUser | 'new' | null>(null);
  const [search, setSearch] = useState('');
  const [form] = Form.useForm();
  const [error, setError] = useState<unknown>(null);
  const orgName = new Map((orgs.data ?? []).map((o) => [o.id, o.name]));
  const roleName = new Map((roles.data ?? []).map((r) => [r.key, r.name]));
  const save = useMutation({
    mutationFn: async (v: { username: string; password?: string; serviceAccount?: boolean; displayName?: string; roles: string[]; orgUnitId?: string; disabled?: boolean }) => {
      if (editing === 'new') {
        const who = v.serviceAccount ? { serviceAccount: true } : { password: v.password! };
        return api.admin.createUser({ username: v.username, ...who, displayName: v.displayName, roles: v.roles ?? [], orgUnitId: v.orgUnitId });
      }
      return api.admin.updateUser((editing as AdminUser).id, { roles: v.roles, orgUnitId: v.orgUnitId ?? null, disabled: !!v.disabled, displayName: v.displayName });
    },
    onSuccess: (res) => {
      // A grant of the authorisation or audit duty waits for a second approver.
      if (res && 'status' in res && res.status === 'pending') message.info(String(res.message));
      else message.success(t('已保存', 'Saved'));
      setEditing(null);
      qc.invalidateQueries({ queryKey: ['admin'] });
    },
    onError: (e) => { if (!applyServerErrors(form, e, [['username'], ['password'], ['roles'], ['orgUnitId'], ['displayName']])) setError(e); },
  });
  const reset = useMutation({
    mutationFn: (u: AdminUser) => api.admin.resetPassword(u.id),
    onSuccess: (res, u) => {
      if ('temporaryPassword' in res) showTemporaryPassword(modal, t, u.username, res.temporaryPassword);
      else message.info(res.message);
      qc.invalidateQueries({ queryKey: ['admin'] });
    },
    onError: (e) => setError(e),
  });
  const serviceAccount = Form.useWatch('serviceAccount', form);
  const open = (u: AdminUser | 'new') => {
    setError(null);
    setEditing(u);
    form.resetFields();
    if (u !== 'new') form.setFieldsValue({ username: u.username, displayName: u.displayName, roles: u.roles, orgUnitId: u.orgUnitId ?? undefined, disabled: !!u.disabled });
  };
  const rows = (users.data ?? []).filter((u) => !search || `${u.username}${u.displayName ?? ''}`.includes(search));
  return (
    <div>
      <PageHeader title={t('用户管理', 'Users')} sub={t('账号、角色与所属机构', 'Accounts, roles and org units')}
        extra={<><Input.Search placeholder={t('搜索用户', 'Search')} allowClear onSearch={setSearch} style={{ width: 200 }} /><Button type="primary" icon={<PlusOutlined />} onClick={() => open('new')} data-testid="new-user">{t('新建用户', 'New user')}</Button></>} />
      <ErrorAlert error={users.error} />
      {!editing && <ErrorAlert error={error} />}
      <PendingApprovals />
      <Card>
        <Table<AdminUser>
          rowKey="id"
          loading={users.isLoading}
          dataSource={rows}
          columns={[
            { title: t('姓名', 'Name'), render: (_, u) => u.displayName || '—' },
            { title: t('用户名', 'Username'), dataIndex: 'username', render: (v) => <code>{v}</code> },
            { title: t('角色', 'Roles'), render: (_, u) => (u.roles ?? []).map((r) => <Tag key={r} color="red">{roleName.get(r) ?? r}</Tag>) },
            { title: t('所属机构', 'Org unit'), render: (_, u) => (u.orgUnitId ? orgName.get(u.orgUnitId) ?? u.orgUnitId : '—') },
            { title: t('状态', 'Status'), render: (_, u) => (<>
              {u.disabled ? <Tag>{t('已停用', 'Disabled')}</Tag> : <Tag color="green">{t('正常', 'Active')}</Tag>}
              {u.serviceAccount && <Tag color="blue">{t('技术账号', 'Service account')}</Tag>}
              {u.changeOnNextLogin && <Tag color="orange">{t('待修改临时密码', 'Must change password')}</Tag>}
            </>) },
            { title: t('最近登录', 'Last login'), render: (_, u) => (u.lastLoginAt ? dayjs(String(u.lastLoginAt)).format('YYYY-MM-DD HH:mm') : '—') },
            { title: t('操作', 'Actions'), render: (_, u) => (<Space size={0}>
              <Button type="link" size="small" icon={<EditOutlined />} onClick={() => open(u)}>{t('编辑', 'Edit')}</Button>
              {!u.serviceAccount && u.id !== meId && (
                <Popconfirm title={t('重置该用户的密码？其现有登录和 API 密钥将立即失效。', 'Reset this password? Their sessions and API keys stop at once.')} onConfirm={() => reset.mutate(u)}>
                  <Button type="link" size="small" icon={<KeyOutlined />} data-testid={`reset-${u.username}`}>{t('重置密码', 'Reset password')}</Button>
                </Popconfirm>
              )}
            </Space>) },
          ]}
        />
      </Card>
      <Drawer open={editing !== null} onClose={() => setEditing(null)} size={460} title={editing === 'new' ? t('新建用户', 'New user') : t('编辑用户', 'Edit user')} destroyOnHidden
        extra={<Space><Button onClick={() => setEditing(null)}>{t('取消', 'Cancel')}</Button><Button type="primary" loading={save.isPending} onClick={() => form.submit()}>{t('保存', 'Save')}</Button></Space>}>
        <ErrorAlert error={error} />
        <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true, message: t('请填写用户名', 'Enter a username') }]}><Input disabled={editing !== 'new'} /></Form.Item>
          {editing === 'new' && (
            <Form.Item name="serviceAccount" label={t('技术账号（系统对接，只用 API 密钥，不能登录）', 'Service account (systems: API keys only, no sign-in)')} valuePropName="checked"><Switch /></Form.Item>
          )}
          {editing === 'new' && !serviceAccount && (
            <Form.Item name="password" label={t('初始密码', 'Initial password')} rules={[{ required: true, message: t('请填写密码', 'Enter a password') }, { min: 8, message: t('至少 8 位', 'At least 8 characters') }]}><Input.Password /></Form.Item>
          )}
          <Form.Item name="displayName" label={t('姓名', 'Display name')}><Input /></Form.Item>
          <Form.Item name="roles" label={t('角色', 'Roles')}><Select mode="multiple" optionFilterProp="label" options={(roles.data ?? []).map((r) => ({ value: r.key, label: `${r.name}（${r.key}）` }))} notFoundContent={roles.error ? (roles.error as Error).message : undefined} /></Form.Item>
          <Form.Item name="orgUnitId" label={t('所属机构', 'Org unit')}><TreeSelect allowClear treeDefaultExpandAll treeData={orgTree((orgs.data ?? []))} /></Form.Item>
          {editing !== 'new' && <Form.Item name="disabled" label={t('停用账号', 'Disabled')} valuePropName="checked"><Switch /></Form.Item>}
        </Form>
      </Drawer>
    </div>
  );
}
