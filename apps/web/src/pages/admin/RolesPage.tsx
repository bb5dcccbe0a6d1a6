import { useEffect, useState } from 'react';
import { App, Button, Card, Checkbox, Col, Empty, Form, Input, List, Modal, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined, SaveOutlined, SafetyOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { OBJECT_ACTIONS, PLATFORM_RIGHTS, PLATFORM_RIGHT_LABELS, type FieldAccess, type PlatformRight, type ObjectAction, type Permission, type Role, type RowScope } from '@crm/shared';
import { api } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { useHasRight } from '../../lib/rights';
import { ErrorAlert, PageHeader } from '../../components/common';
import { PendingApprovals } from './PendingApprovals';
import { applyServerErrors } from '../objects/ObjectDesigner';

const ACTION_LABELS: Record<ObjectAction, [string, string]> = { create: ['新建', 'Create'], read: ['查看', 'Read'], update: ['修改', 'Update'], delete: ['删除', 'Delete'], export: ['导出', 'Export'] };
const SCOPE_LABELS: Record<string, [string, string]> = { own: ['本人', 'Own'], team: ['本团队', 'Team'], org_unit: ['本机构', 'Org unit'], org_subtree: ['本机构及下级', 'Org subtree'], all: ['全部', 'All'] };
const FIELD_ACCESS: { value: FieldAccess | ''; label: [string, string] }[] = [
  { value: '', label: ['随对象', 'As object'] }, { value: 'write', label: ['可写', 'Write'] }, { value: 'read', label: ['只读', 'Read'] }, { value: 'masked', label: ['脱敏', 'Masked'] }, { value: 'none', label: ['不可见', 'Hidden'] },
];

export function RolesPage() {
  const t = useT();
  const qc = useQueryClient();
  const roles = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles() });
  // User administrators read the roles they assign; only security administrators change them.
  const manage = useHasRight('admin.roles');
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm();
  const list = (roles.data ?? []);
  const selected = list.find((r) => r.key === selectedKey) ?? list[0] ?? null;
  const create = useMutation({
    mutationFn: (v: { key: string; name: string }) => api.admin.createRole({ key: v.key, name: v.name, permissions: [], platform: [] }),
    onSuccess: (r) => { setCreating(false); setSelectedKey(r.key); qc.invalidateQueries({ queryKey: ['admin', 'roles'] }); },
    onError: (e) => applyServerErrors(form, e, [['key'], ['name']]),
  });
  return (
    <div>
      <PageHeader title={t('角色权限', 'Roles & permissions')} sub={t('默认拒绝：按对象授予操作与数据范围，按字段授予读写、脱敏或隐藏', 'Deny by default: grant actions and row scopes per object, and write / read / masked / hidden per field')}
        extra={manage && <Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setCreating(true); }}>{t('新建角色', 'New role')}</Button>} />
      <ErrorAlert error={roles.error} />
      <PendingApprovals />
      <Row gutter={16}>
        <Col span={5}>
          <Card size="small" styles={{ body: { padding: 0 } }}>
            <List loading={roles.isLoading} dataSource={list} renderItem={(r) => (
              <List.Item onClick={() => setSelectedKey(r.key)} style={{ cursor: 'pointer', padding: '10px 14px', background: selected?.key === r.key ? '#eef4fb' : undefined }}>
                <List.Item.Meta avatar={<SafetyOutlined />} title={r.name} description={<code>{r.key}</code>} />
              </List.Item>
            )} />
          </Card>
        </Col>
        <Col span={19}>{selected ? <RoleEditor key={selected.key} role={selected} /> : <Card><Empty /></Card>}</Col>
      </Row>
      <Modal open={creating} title={t('新建角色', 'New role')} onCancel={() => setCreating(false)} onOk={() => form.submit()} confirmLoading={create.isPending} destroyOnHidden>
        {create.error && <ErrorAlert error={create.error} />}
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t('角色名称', 'Name')} rules={[{ required: true, message: t('请填写名称', 'Enter a name') }]}><Input placeholder={t('如：理财经理', 'e.g. Wealth manager')} /></Form.Item>
          <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, message: t('请填写标识', 'Enter a key') }, { pattern: /^[a-z][a-z0-9_]*$/, message: t('小写字母开头', 'Lower-case first') }]}><Input placeholder="wealth_manager" /></Form.Item>
        </Form>
      </Modal>
    </div>
  );
}

function RoleEditor({ role }: { role: Role }) {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const manage = useHasRight('admin.roles');
  const objects = useObjects();
  const [perms, setPerms] = useState<Permission[]>(role.permissions ?? []);
  const [platform, setPlatform] = useState<PlatformRight[]>(role.platform ?? []);
  const [fieldObject, setFieldObject] = useState<string | null>(null);
  useEffect(() => { setPerms(role.permissions ?? []); setPlatform(role.platform ?? []); }, [role]);
  const save = useMutation({
    mutationFn: () => api.admin.updateRole(role.key, { permissions: perms, platform }),
    onSuccess: () => { message.success(t('权限已保存', 'Permissions saved')); qc.invalidateQueries({ queryKey: ['admin', 'roles'] }); },
  });
  const objs = objects.data ?? [];
  const permOf = (o: string) => perms.find((p) => p.object === o);
  const setPerm = (o: string, patch: Partial<Permission>) => {
    const cur = permOf(o) ?? { object: o, actions: [], scope: 'own' as RowScope };
    const next = { ...cur, ...patch };
    setPerms(next.actions.length || next.fields ? [...perms.filter((p) => p.object !== o), next] : perms.filter((p) => p.object !== o));
  };
  const fo = fieldObject ?? objs[0]?.key ?? null;
  const foDef = objs.find((o) => o.key === fo);
  return (
    <Card title={<span>{role.name} <Tag>{role.key}</Tag></span>} extra={manage && <Button type="primary" icon={<SaveOutlined />} loading={save.isPending} onClick={() => save.mutate()} data-testid="save-role">{t('保存权限', 'Save')}</Button>}>
      <ErrorAlert error={save.error} />
      <Typography.Title level={5}>{t('平台权限', 'Platform rights')}</Typography.Title>
      <div data-testid="platform-rights">
        <Checkbox.Group value={platform} onChange={(v) => setPlatform(v as PlatformRight[])} options={PLATFORM_RIGHTS.map((r) => ({ value: r, label: t(PLATFORM_RIGHT_LABELS[r]['zh-CN'], PLATFORM_RIGHT_LABELS[r].en) }))} style={{ marginBottom: 16 }} />
      </div>
      <Typography.Title level={5}>{t('对象 × 操作', 'Object × action')}</Typography.Title>
      <ErrorAlert error={objects.error} />
      <Table
        className="matrix"
        size="small"
        rowKey="key"
        pagination={false}
        dataSource={objs}
        style={{ marginBottom: 20 }}
        columns={[
          { title: t('对象', 'Object'), render: (_: unknown, o: { key: string; label?: unknown }) => <span style={{ textAlign: 'left', display: 'block' }}>{l(o.label, o.key)}</span> },
          ...OBJECT_ACTIONS.map((a) => ({
            title: t(...ACTION_LABELS[a]),
            render: (_: unknown, o: { key: string }) => {
              const p = permOf(o.key);
              return <Checkbox checked={!!p?.actions.includes(a)} aria-label={`${o.key} ${a}`}
                onChange={(e) => setPerm(o.key, { actions: e.target.checked ? [...(p?.actions ?? []), a] : (p?.actions ?? []).filter((x) => x !== a) })} />;
            },
          })),
          {
            title: t('数据范围', 'Rows'),
            render: (_: unknown, o: { key: string }) => {
              const p = permOf(o.key);
              const scope = typeof p?.scope === 'string' ? p.scope : p?.scope ? 'filter' : 'own';
              return <Select size="small" style={{ width: 130 }} value={scope} disabled={!p} onChange={(v) => setPerm(o.key, { scope: v === 'filter' ? { filter: {} } : (v as RowScope) })}
                options={[...Object.entries(SCOPE_LABELS).map(([k, v]) => ({ value: k, label: t(...v) })), { value: 'filter', label: t('按条件', 'By condition') }]} />;
            },
          },
          { title: t('明文查看', 'Unmask'), render: (_: unknown, o: { key: string }) => <Switch size="small" disabled={!permOf(o.key)} checked={!!permOf(o.key)?.unmask} onChange={(v) => setPerm(o.key, { unmask: v || undefined })} /> },
        ]}
      />
      <Space style={{ marginBottom: 8 }}>
        <Typography.Title level={5} style={{ margin: 0 }}>{t('字段 × 权限', 'Field × permission')}</Typography.Title>
        <Select style={{ width: 200 }} value={fo ?? undefined} onChange={setFieldObject} options={objs.map((o) => ({ value: o.key, label: l(o.label, o.key) }))} />
      </Space>
      {foDef ? (
        <Table
          className="matrix"
          size="small"
          rowKey="key"
          pagination={false}
          dataSource={foDef.fields ?? []}
          columns={[
            { title: t('字段', 'Field'), render: (_, f) => <span style={{ display: 'block', textAlign: 'left' }}>{l(f.label, f.key)} {f.sensitivity && f.sensitivity >= 3 ? <Tag color="volcano">{t('敏感', 'sensitive')} L{f.sensitivity}</Tag> : null}</span> },
            ...FIELD_ACCESS.map((fa) => ({
              title: t(...fa.label),
              render: (_: unknown, f: { key: string }) => {
                const p = permOf(foDef.key);
                const cur = p?.fields?.[f.key] ?? '';
                return <input type="radio" name={`${foDef.key}.${f.key}`} checked={cur === fa.value} aria-label={`${f.key} ${fa.value || 'inherit'}`}
                  onChange={() => {
                    const fields = { ...(p?.fields ?? {}) };
                    if (fa.value) fields[f.key] = fa.value; else delete fields[f.key];
                    setPerm(foDef.key, { fields: Object.keys(fields).length ? fields : undefined });
                  }} />;
              },
            })),
          ]}
        />
      ) : <Empty description={t('没有对象', 'No objects')} />}
    </Card>
  );
}
