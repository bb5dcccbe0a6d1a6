import { useState } from 'react';
import { App, Button, Dropdown, Form, Input, Modal, Popconfirm, Select, Space, Tag } from 'antd';
import { DeleteOutlined, EyeOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SavedView, ViewInput } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { errorText } from '../../components/common';

/** Names of the platform's and the bank pack's roles (a role without one shows its key). */
const ROLE_NAMES: Record<string, [string, string]> = {
  rm: ['客户经理', 'Relationship manager'],
  manager: ['支行负责人', 'Branch manager'],
  analyst: ['业务分析师', 'Business analyst'],
  compliance: ['合规', 'Compliance'],
  auditor: ['审计', 'Auditor'],
  admin: ['系统管理员', 'Administrator'],
  security: ['安全管理员', 'Security officer'],
  credit_approver: ['信贷审批', 'Credit approver'],
};

/** What a view keeps of the list (everything but its name and roles). */
export type ViewState = Omit<ViewInput, 'object' | 'name' | 'roles'>;

/**
 * Saved views on the server: the caller's own and those shared with their roles, applied from a menu;
 * the current list saved as a new view (personal, or shared with some of the caller's roles); deleted
 * by its owner (or a designer).
 */
export function ListViews({ object, current, onApply }: { object: string; current: () => ViewState; onApply(v: SavedView): void }) {
  const t = useT();
  const { message } = App.useApp();
  const qc = useQueryClient();
  const myRoles = useAuth((s) => s.user?.roles ?? []);
  const [saving, setSaving] = useState(false);
  const [form] = Form.useForm<{ name: string; roles: string[] }>();
  const views = useQuery({ queryKey: ['views', object], queryFn: () => api.views.list(object) });
  const refresh = () => qc.invalidateQueries({ queryKey: ['views', object] });
  const create = useMutation({
    mutationFn: (v: { name: string; roles: string[] }) => api.views.create({ object, ...current(), name: v.name, roles: v.roles ?? [] }),
    onSuccess: (v) => { message.success(t(`视图「${v.name}」已保存`, `View "${v.name}" saved`)); setSaving(false); form.resetFields(); void refresh(); },
    onError: (e) => message.error(errorText(e, t)),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.views.delete(id),
    onSuccess: () => { message.success(t('视图已删除', 'View deleted')); void refresh(); },
    onError: (e) => message.error(errorText(e, t)),
  });
  const roleName = (r: string) => (ROLE_NAMES[r] ? t(...ROLE_NAMES[r]) : r);
  const items = views.data ?? [];

  return (
    <>
      <Dropdown
        trigger={['click']}
        menu={{
          items: items.length
            ? items.map((v) => ({
                key: v.id,
                onClick: () => onApply(v),
                label: (
                  <Space data-testid={`view-${v.name}`}>
                    {v.name}
                    {!v.mine && <Tag color="blue">{t('共享', 'Shared')}</Tag>}
                    {v.mine && v.roles.length > 0 && <Tag>{t(`已共享给 ${v.roles.map(roleName).join('、')}`, `Shared with ${v.roles.map(roleName).join(', ')}`)}</Tag>}
                    {v.editable && (
                      <span onClick={(e) => e.stopPropagation()}>
                        <Popconfirm title={t(`删除视图「${v.name}」？`, `Delete view "${v.name}"?`)} onConfirm={() => remove.mutate(v.id)} okText={t('删除', 'Delete')} cancelText={t('取消', 'Cancel')}>
                          <DeleteOutlined aria-label={t('删除视图', 'Delete view')} />
                        </Popconfirm>
                      </span>
                    )}
                  </Space>
                ),
              }))
            : [{ key: 'none', label: t('还没有保存的视图', 'No saved views'), disabled: true }],
        }}
      >
        <Button icon={<EyeOutlined />} data-testid="views">{t('视图', 'Views')}</Button>
      </Dropdown>
      <Button icon={<SaveOutlined />} onClick={() => setSaving(true)} data-testid="save-view">{t('保存为视图', 'Save as view')}</Button>
      <Modal open={saving} title={t('保存为视图', 'Save as view')} onCancel={() => setSaving(false)} onOk={() => form.submit()} okText={t('保存', 'Save')} cancelText={t('取消', 'Cancel')} confirmLoading={create.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ roles: [] }}>
          <Form.Item name="name" label={t('视图名称', 'View name')} rules={[{ required: true, whitespace: true, message: t('请输入视图名称', 'Enter a name') }, { max: 100 }]}>
            <Input data-testid="view-name" maxLength={100} />
          </Form.Item>
          <Form.Item name="roles" label={t('共享给角色（不选则仅自己可见）', 'Share with roles (none: only you)')}>
            <Select mode="multiple" options={myRoles.map((r) => ({ value: r, label: roleName(r) }))} data-testid="view-roles" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
