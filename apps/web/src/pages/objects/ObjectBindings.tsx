/**
 * What ties an object to the rest of the platform, in its designer: the roles that may use it (a new
 * object is usable by nobody until a role grants it) and the record triggers that start a process when
 * a record is created or updated (with a condition built without code).
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Form, Modal, Popconfirm, Select, Table, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, SafetyOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { OBJECT_ACTIONS, ROW_SCOPES, type ObjectDefinition, type Trigger } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { ConditionBuilder, FeelEditor, useFeelIssues } from '../../components/FeelEditor';
import { ErrorAlert } from '../../components/common';

const ACTION_NAMES: Record<(typeof OBJECT_ACTIONS)[number], [string, string]> = {
  create: ['新建', 'Create'], read: ['查看', 'Read'], update: ['编辑', 'Update'], delete: ['删除', 'Delete'], export: ['导出', 'Export'],
};
const SCOPE_NAMES: Record<(typeof ROW_SCOPES)[number], [string, string]> = {
  own: ['本人的记录', 'Own records'], team: ['本团队', 'Team'], org_unit: ['本机构', 'Org unit'], org_subtree: ['本机构及下级', 'Org unit and below'], all: ['全部记录', 'All records'],
};

/**
 * Which roles may use the object; when none does (a new object), a prompt to grant them — inline for
 * whoever holds the role-administration right, otherwise who to ask.
 */
export function RoleAccessCard({ obj }: { obj: ObjectDefinition }) {
  const t = useT();
  const roles = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles() });
  const canGrant = (useAuth((s) => s.user?.platform) ?? []).includes('admin.roles');
  const [open, setOpen] = useState(false);
  const granted = (roles.data ?? []).filter((r) => r.permissions.some((p) => p.object === obj.key && p.actions.length));
  if (roles.isLoading) return null;
  return (
    <>
      <Alert
        style={{ marginBottom: 12 }}
        type={granted.length ? 'info' : 'warning'}
        showIcon
        icon={<SafetyOutlined />}
        data-testid="object-roles"
        title={granted.length
          ? <span>{t('可使用本对象的角色：', 'Roles that may use this object: ')}{granted.map((r) => <Tag key={r.key}>{r.name}</Tag>)}</span>
          : t('还没有任何角色可以使用本对象：授予角色权限之后，业务人员才能新建和查看它的记录。', 'No role may use this object yet: grant a role before anyone can create or read its records.')}
        action={<Button size="small" type={granted.length ? 'default' : 'primary'} onClick={() => setOpen(true)} data-testid="grant-roles">{t('授予角色权限', 'Grant roles')}</Button>}
      />
      {open && <GrantModal obj={obj} canGrant={canGrant} onClose={() => setOpen(false)} />}
    </>
  );
}

function GrantModal({ obj, canGrant, onClose }: { obj: ObjectDefinition; canGrant: boolean; onClose(): void }) {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const roles = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles() });
  const [picked, setPicked] = useState<string[]>([]);
  const [actions, setActions] = useState<string[]>(['create', 'read', 'update']);
  const [scope, setScope] = useState<(typeof ROW_SCOPES)[number]>('own');
  const grant = useMutation({
    mutationFn: async () => {
      for (const key of picked) {
        const role = await api.admin.getRole(key);
        const others = role.permissions.filter((p) => p.object !== obj.key);
        await api.admin.updateRole(key, { permissions: [...others, { object: obj.key, actions: actions as (typeof OBJECT_ACTIONS)[number][], scope }] });
      }
    },
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ['admin', 'roles'] }); message.success(t('已授予角色权限', 'Roles granted')); onClose(); },
  });
  return (
    <Modal open title={`${t('授予角色权限', 'Grant roles')} · ${l(obj.label, obj.key)}`} onCancel={onClose} okText={t('授予', 'Grant')} cancelText={canGrant ? t('稍后', 'Later') : t('关闭', 'Close')}
      okButtonProps={{ disabled: !canGrant || !picked.length || !actions.length, loading: grant.isPending, 'data-testid': 'grant-roles-ok' } as never}
      onOk={() => grant.mutate()}>
      {!canGrant && (
        <Alert type="info" showIcon style={{ marginBottom: 12 }} data-testid="grant-roles-ask"
          title={t('授予权限需要“角色权限”管理权（安全管理员）。请把下面的选择告知安全管理员，或在“角色权限”页面中授予。', 'Granting needs the role-administration right (a security officer): send them this choice, or grant in Roles & permissions.')} />
      )}
      <ErrorAlert error={grant.error} />
      <Form layout="vertical">
        <Form.Item label={t('角色', 'Roles')}>
          <Select mode="multiple" value={picked} onChange={setPicked} optionFilterProp="label" data-testid="grant-roles-pick"
            options={(roles.data ?? []).map((r) => ({ value: r.key, label: r.name }))} />
        </Form.Item>
        <Form.Item label={t('操作', 'Actions')}>
          <Checkbox.Group value={actions} onChange={(v) => setActions(v as string[])} options={OBJECT_ACTIONS.map((a) => ({ value: a, label: t(...ACTION_NAMES[a]) }))} />
        </Form.Item>
        <Form.Item label={t('数据范围', 'Records')}>
          <Select value={scope} onChange={setScope} style={{ width: 220 }} options={ROW_SCOPES.map((s) => ({ value: s, label: t(...SCOPE_NAMES[s]) }))} />
        </Form.Item>
      </Form>
      {canGrant ? null : <Link to="/admin/roles">{t('角色权限', 'Roles & permissions')}</Link>}
    </Modal>
  );
}

const ON_NAMES: Record<string, [string, string]> = { created: ['新建记录时', 'When created'], updated: ['修改记录时', 'When updated'], submitted: ['提交表单时', 'When submitted'] };

/** The record triggers of the object: created / updated (with a condition) starts a process. */
export function RecordTriggersCard({ obj }: { obj: ObjectDefinition }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const triggers = useQuery({ queryKey: ['process-triggers'], queryFn: () => api.triggers.list() });
  const processes = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const [adding, setAdding] = useState(false);
  const remove = useMutation({
    mutationFn: (id: string) => api.triggers.delete(id),
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ['process-triggers'] }); message.success(t('触发器已删除', 'Trigger deleted')); },
  });
  const mine = (triggers.data ?? []).filter((x) => 'object' in x && x.object === obj.key);
  const name = (key: string) => processes.data?.find((d) => d.key === key)?.name || key;
  return (
    <Card title={<span><ThunderboltOutlined /> {t('记录触发流程', 'Record triggers')}</span>} style={{ marginTop: 12 }} data-testid="record-triggers"
      extra={<Button icon={<PlusOutlined />} onClick={() => setAdding(true)} data-testid="add-trigger">{t('新增触发器', 'Add a trigger')}</Button>}>
      <ErrorAlert error={triggers.error ?? remove.error} />
      <Table<Trigger>
        rowKey="id" size="small" pagination={false} dataSource={mine} loading={triggers.isLoading}
        locale={{ emptyText: t('暂无：新建或修改记录时不会自动发起流程', 'None: creating or changing a record starts no process') }}
        columns={[
          { title: t('时机', 'When'), render: (_, x) => t(...(ON_NAMES[x.on] ?? [x.on, x.on])) },
          { title: t('条件', 'Condition'), render: (_, x) => (x.condition ? <code>{x.condition}</code> : <Typography.Text type="secondary">{t('始终', 'always')}</Typography.Text>) },
          { title: t('发起流程', 'Starts'), render: (_, x) => name(x.processKey) },
          {
            title: t('操作', 'Actions'),
            render: (_, x) => (
              <Popconfirm title={t('删除这个触发器？', 'Delete this trigger?')} onConfirm={() => remove.mutate(x.id)}>
                <Button size="small" type="link" danger icon={<DeleteOutlined />}>{t('删除', 'Delete')}</Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      {adding && <TriggerEditor obj={obj} onClose={() => setAdding(false)} />}
    </Card>
  );
}

function TriggerEditor({ obj, onClose }: { obj: ObjectDefinition; onClose(): void }) {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const processes = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const [processKey, setProcessKey] = useState<string | undefined>();
  const [on, setOn] = useState<'created' | 'updated'>('created');
  const [condition, setCondition] = useState('');
  const issues = useFeelIssues(condition, obj.fields);
  const save = useMutation({
    mutationFn: () => api.triggers.create({ processKey: processKey!, object: obj.key, on, ...(condition.trim() ? { condition: condition.trim() } : {}) }),
    onSuccess: () => { void qc.invalidateQueries({ queryKey: ['process-triggers'] }); message.success(t('触发器已保存', 'Trigger saved')); onClose(); },
  });
  return (
    <Modal open width={720} title={t('新增记录触发器', 'New record trigger')} onCancel={onClose} okText={t('保存', 'Save')} onOk={() => save.mutate()}
      okButtonProps={{ disabled: !processKey || issues.length > 0, loading: save.isPending, 'data-testid': 'save-trigger' } as never}>
      <ErrorAlert error={save.error} />
      <Form layout="vertical">
        <Form.Item label={t('时机', 'When')}>
          <Select value={on} onChange={setOn} style={{ width: 220 }} data-testid="trigger-on" options={(['created', 'updated'] as const).map((v) => ({ value: v, label: t(...ON_NAMES[v]!) }))} />
        </Form.Item>
        <Form.Item label={t('并且满足条件（留空表示始终）', 'And this holds (empty: always)')}>
          <ConditionBuilder fields={obj.fields} onApply={setCondition} testId="trigger-when-builder" />
          <div style={{ marginTop: 6 }}><FeelEditor value={condition} onChange={setCondition} fields={obj.fields} testId="trigger-when" /></div>
        </Form.Item>
        <Form.Item label={t('发起流程（记录作为流程的业务数据）', 'Start the process (the record is its business data)')}>
          <Select showSearch optionFilterProp="label" value={processKey} onChange={setProcessKey} data-testid="trigger-process" loading={processes.isLoading}
            options={(processes.data ?? []).map((d) => ({ value: d.key, label: d.name || d.key }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
