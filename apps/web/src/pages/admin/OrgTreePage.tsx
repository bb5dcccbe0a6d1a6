import { useState } from 'react';
import { App, Button, Card, Col, Descriptions, Empty, Form, Input, Modal, Row, Space, Tree } from 'antd';
import { ApartmentOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type OrgUnit } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

export function OrgTreePage() {
  const t = useT();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const q = useQuery({ queryKey: ['admin', 'org-units'], queryFn: () => api.admin.listOrgUnits() });
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: () => api.admin.listUsers() });
  const units = (q.data ?? []);
  const [selected, setSelected] = useState<OrgUnit | null>(null);
  const [modal, setModal] = useState<{ mode: 'add' | 'rename'; parent?: OrgUnit | null } | null>(null);
  const [form] = Form.useForm();
  const save = useMutation({
    mutationFn: (v: { name: string }) => modal?.mode === 'rename' ? api.admin.updateOrgUnit(selected!.id, { name: v.name }) : api.admin.createOrgUnit({ name: v.name, parentId: modal?.parent?.id ?? null }),
    onSuccess: (u) => { message.success(t('已保存', 'Saved')); setModal(null); setSelected(u); qc.invalidateQueries({ queryKey: ['admin', 'org-units'] }); },
  });
  type N = { key: string; title: string; children: N[]; unit: OrgUnit };
  const byId = new Map<string, N>(units.map((u) => [u.id, { key: u.id, title: u.name, children: [], unit: u }]));
  const roots: N[] = [];
  for (const u of units) { const n = byId.get(u.id)!; const p = u.parentId ? byId.get(u.parentId) : undefined; (p ? p.children : roots).push(n); }
  const members = (users.data ?? []).filter((u) => selected && u.orgUnitId === selected.id);
  return (
    <div>
      <PageHeader title={t('组织机构', 'Org units')} sub={t('总行 → 分行 → 支行 → 团队：用于数据范围与任务分派', 'Head office → branch → sub-branch → team: for data scopes and task assignment')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => { form.resetFields(); setModal({ mode: 'add', parent: selected }); }} data-testid="add-org">{selected ? t('添加下级机构', 'Add a child unit') : t('添加机构', 'Add unit')}</Button>} />
      <ErrorAlert error={q.error} />
      <Row gutter={16}>
        <Col span={10}>
          <Card loading={q.isLoading}>
            {roots.length ? (
              <Tree showLine defaultExpandAll treeData={roots} icon={<ApartmentOutlined />} showIcon selectedKeys={selected ? [selected.id] : []}
                onSelect={(keys) => setSelected(units.find((u) => u.id === keys[0]) ?? null)} key={units.length} />
            ) : <Empty description={t('还没有机构', 'No org units')} />}
          </Card>
        </Col>
        <Col span={14}>
          <Card title={selected?.name ?? t('机构详情', 'Details')} extra={selected && <Button icon={<EditOutlined />} onClick={() => { form.setFieldsValue({ name: selected.name }); setModal({ mode: 'rename' }); }}>{t('重命名', 'Rename')}</Button>}>
            {selected ? (
              <>
                <Descriptions size="small" column={1} items={[
                  { key: 'id', label: 'ID', children: <code>{selected.id}</code> },
                  { key: 'p', label: t('上级机构', 'Parent'), children: selected.parentId ? units.find((u) => u.id === selected.parentId)?.name : t('（顶级）', '(top level)') },
                  { key: 'n', label: t('成员', 'Members'), children: users.error ? (users.error as Error).message : members.map((m) => m.displayName || m.username).join('、') || '—' },
                ]} />
              </>
            ) : <Empty description={t('选择左侧的机构', 'Choose a unit on the left')} />}
          </Card>
        </Col>
      </Row>
      <Modal open={!!modal} title={modal?.mode === 'rename' ? t('重命名机构', 'Rename unit') : modal?.parent ? t(`在「${modal.parent.name}」下添加机构`, `Add a unit under ${modal.parent.name}`) : t('添加顶级机构', 'Add a top-level unit')}
        onCancel={() => setModal(null)} onOk={() => form.submit()} confirmLoading={save.isPending} destroyOnHidden>
        <ErrorAlert error={save.error} />
        <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          <Form.Item name="name" label={t('机构名称', 'Name')} rules={[{ required: true, message: t('请填写名称', 'Enter a name') }]}><Input placeholder={t('如：城东支行', 'e.g. East sub-branch')} /></Form.Item>
        </Form>
      </Modal>
      <Space />
    </div>
  );
}
