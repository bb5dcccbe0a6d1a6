/**
 * Connectors to bank systems (platform right `designer`): the registry of named connectors — HTTP
 * interfaces (core banking, credit, the app), database pulls (a data-warehouse or core-banking replica),
 * WeChat Work and an SMS gateway — created and edited here; secrets are write-only (the screen shows only
 * which are stored); a connection test with its result; each connector's run history.
 */
import { useState } from 'react';
import { Alert, Button, Card, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import type { FormRule as Rule } from 'antd';
import { ApiOutlined, HistoryOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import {
  CONNECTOR_KINDS, CONNECTOR_SETTINGS, connectorSettingsFromForm, connectorSettingsToForm,
  type Connector, type ConnectorCreate, type ConnectorKind, type ConnectorRunLogEntry, type ConnectorSettingField, type ConnectorTestResult,
} from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

const KIND_LABEL: Record<ConnectorKind, [string, string]> = {
  http: ['HTTP 接口（核心、信贷、手机银行等）', 'HTTP API (core banking, credit, app)'],
  'sql-pull': ['数据库拉取（数仓、核心只读库）', 'Database pull (warehouse, core replica)'],
  wecom: ['企业微信应用消息', 'WeChat Work app messages'],
  sms: ['短信网关', 'SMS gateway'],
};
interface FormValues { key: string; name: string; kind: ConnectorKind; secret?: string; [setting: string]: unknown }

export function ConnectorsPage() {
  const t = useT();
  const qc = useQueryClient();
  const list = useQuery({ queryKey: ['connectors'], queryFn: () => api.connectors.list() });
  const [editing, setEditing] = useState<Connector | 'new' | null>(null);
  const [tested, setTested] = useState<{ name: string; result: ConnectorTestResult } | null>(null);
  const [historyOf, setHistoryOf] = useState<Connector | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ['connectors'] });
  const test = useMutation({
    mutationFn: (key: string) => api.connectors.test(key),
    onSuccess: (result, key) => {
      setTested({ name: list.data?.find((c) => c.key === key)?.name ?? key, result });
      void qc.invalidateQueries({ queryKey: ['connector-runs', key] });
    },
  });
  const remove = useMutation({ mutationFn: (key: string) => api.connectors.delete(key), onSuccess: () => refresh() });
  const kindText = (k: ConnectorKind) => t(...KIND_LABEL[k]);

  return (
    <div>
      <PageHeader title={t('连接器', 'Connectors')} sub={t('与核心、信贷、数仓、呼叫中心、手机银行、企业微信等行内系统的连接；密钥只写不回显', 'Connections to the bank\'s systems; secrets are write-only')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="connector-create">{t('新建连接器', 'New connector')}</Button>} />
      <ErrorAlert error={list.error ?? test.error ?? remove.error} />
      {tested && (
        <Alert style={{ marginBottom: 12 }} type={tested.result.ok ? 'success' : 'error'} showIcon closable onClose={() => setTested(null)} data-testid="connector-test-result"
          message={`${tested.result.ok ? t('连接成功', 'Connected') : t('连接失败', 'Connection failed')}：${tested.name}`}
          description={`${tested.result.message}（${t('耗时', 'took')} ${tested.result.latencyMs} ms）`} />
      )}
      <Card size="small">
        <Table<Connector>
          size="small" rowKey="key" loading={list.isLoading} dataSource={list.data ?? []} pagination={false} data-testid="connector-list"
          columns={[
            { title: t('名称', 'Name'), dataIndex: 'name', render: (v: string, c) => <Space direction="vertical" size={0}><span>{v}</span><Typography.Text type="secondary" style={{ fontSize: 12 }}>{c.key}</Typography.Text></Space> },
            { title: t('类型', 'Kind'), dataIndex: 'kind', render: (k: ConnectorKind) => <Tag>{kindText(k)}</Tag> },
            { title: t('已存密钥', 'Secrets stored'), dataIndex: 'secretsSet', render: (v: string[]) => (v.length ? v.map((s) => <Tag color="green" key={s}>{t('已设置', 'set')}</Tag>) : <Tag>{t('未设置', 'none')}</Tag>) },
            { title: t('负责人', 'Owner'), dataIndex: 'owner', width: 100 },
            { title: t('更新时间', 'Updated'), dataIndex: 'updatedAt', width: 140, render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm') },
            {
              title: t('操作', 'Actions'), width: 330, render: (_, c) => (
                <Space size={4} wrap>
                  <Button size="small" onClick={() => setEditing(c)} data-testid={`connector-edit-${c.key}`}>{t('编辑', 'Edit')}</Button>
                  <Button size="small" icon={<ApiOutlined />} loading={test.isPending && test.variables === c.key} onClick={() => test.mutate(c.key)} data-testid={`connector-test-${c.key}`}>{t('测试连接', 'Test')}</Button>
                  <Button size="small" icon={<HistoryOutlined />} onClick={() => setHistoryOf(c)} data-testid={`connector-runs-${c.key}`}>{t('执行记录', 'Runs')}</Button>
                  <Popconfirm title={t('删除该连接器？', 'Delete this connector?')} onConfirm={() => remove.mutate(c.key)}>
                    <Button size="small" danger>{t('删除', 'Delete')}</Button>
                  </Popconfirm>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {editing && <ConnectorEditor current={editing === 'new' ? null : editing} onClose={() => setEditing(null)} onSaved={() => { setEditing(null); void refresh(); }} />}
      <Drawer open={!!historyOf} onClose={() => setHistoryOf(null)} width={720} title={historyOf ? `${t('执行记录', 'Run history')}：${historyOf.name}` : ''} destroyOnHidden>
        {historyOf && <RunHistory connectorKey={historyOf.key} />}
      </Drawer>
    </div>
  );
}

function RunHistory({ connectorKey }: { connectorKey: string }) {
  const t = useT();
  const runs = useQuery({ queryKey: ['connector-runs', connectorKey], queryFn: () => api.connectors.runs(connectorKey) });
  return (
    <>
      <ErrorAlert error={runs.error} />
      <Table<ConnectorRunLogEntry>
        size="small" rowKey="id" loading={runs.isLoading} dataSource={runs.data ?? []} pagination={false} data-testid="connector-run-list"
        columns={[
          { title: t('时间', 'Time'), dataIndex: 'at', width: 150, render: (v: string) => dayjs(v).format('MM-DD HH:mm:ss') },
          { title: t('动作', 'Action'), dataIndex: 'action', width: 80, render: (v: string) => (v === 'test' ? t('测试', 'Test') : t('执行', 'Run')) },
          { title: t('结果', 'Result'), dataIndex: 'ok', width: 70, render: (v: boolean) => <Tag color={v ? 'green' : 'red'}>{v ? t('成功', 'OK') : t('失败', 'Failed')}</Tag> },
          { title: t('耗时', 'Took'), dataIndex: 'latencyMs', width: 80, render: (v: number) => `${v} ms` },
          { title: t('说明', 'Details'), dataIndex: 'message', render: (v: string) => <Typography.Text style={{ fontSize: 12 }}>{v}</Typography.Text> },
          { title: t('执行人', 'By'), dataIndex: 'runBy', width: 90, render: (v: string | null) => v ?? t('流程/定时', 'process') },
        ]}
      />
    </>
  );
}

/** One setting of the kind's declared form (packages/shared CONNECTOR_SETTINGS), with its checks in the user's language. */
function SettingItem({ f, shownBy }: { f: ConnectorSettingField; shownBy: unknown }) {
  const t = useT();
  if (f.showIf && !f.showIf.in.includes(String(shownBy ?? ''))) return null;
  const label = t(...f.label);
  const rules: Rule[] = [];
  if (f.required) rules.push({ required: true, message: t(`请填写${label}`, `${label} is required`) });
  if (f.pattern) rules.push({ pattern: new RegExp(f.pattern.source), message: t(...f.pattern.message) });
  // Not antd's `type: 'url'`: its pattern refuses local and private addresses, which a bank's systems have.
  if (f.type === 'url') rules.push({ pattern: /^https?:\/\/[^\s/?#]+(?:[/?#]\S*)?$/i, message: t('请填写以 http:// 或 https:// 开头的地址', 'an http(s) URL') });
  if (f.type === 'number') {
    const range = f.max !== undefined ? t(`${f.min ?? 0} 至 ${f.max} 之间的整数`, `a whole number from ${f.min ?? 0} to ${f.max}`) : t(`不小于 ${f.min ?? 0} 的整数`, `a whole number of at least ${f.min ?? 0}`);
    rules.push({ type: 'integer', min: f.min, max: f.max, message: t(`${label}应为${range}`, `${label}: ${range}`) });
  }
  if (f.type === 'map') {
    rules.push({ validator: async (_, v: unknown) => {
      const bad = String(v ?? '').split('\n').map((l) => l.trim()).filter(Boolean).find((l) => !/^[^=]+=/.test(l));
      if (bad) throw new Error(t(`每行应为“名称=值”：${bad}`, `each line is name=value: ${bad}`));
    } });
  }
  const id = `connector-setting-${f.key.replace(/\./g, '-')}`;
  const control = f.type === 'number' ? <InputNumber style={{ width: 200 }} data-testid={id} />
    : f.type === 'select' ? <Select style={{ width: 260 }} data-testid={id} options={(f.options ?? []).map((o) => ({ value: o.value, label: t(...o.label) }))} />
      : f.type === 'textarea' ? <Input.TextArea rows={4} style={{ fontFamily: 'monospace', fontSize: 12 }} data-testid={id} />
        : f.type === 'map' ? <Input.TextArea rows={3} style={{ fontFamily: 'monospace', fontSize: 12 }} placeholder={f.help ? t(...f.help) : undefined} data-testid={id} />
          : <Input data-testid={id} />;
  return (
    <Form.Item name={f.key} label={label} rules={rules} extra={f.help && f.type !== 'map' ? t(...f.help) : undefined}>
      {control}
    </Form.Item>
  );
}

function ConnectorEditor({ current, onClose, onSaved }: { current: Connector | null; onClose: () => void; onSaved: () => void }) {
  const t = useT();
  const [form] = Form.useForm<FormValues>();
  const kind = (Form.useWatch('kind', form) as ConnectorKind | undefined) ?? current?.kind ?? 'http';
  const schema = CONNECTOR_SETTINGS[kind];
  const authType = Form.useWatch('auth.type', form) as unknown;
  const { name: secretName, label: secretLabel } = schema.secret;
  const save = useMutation({
    mutationFn: async (v: FormValues) => {
      const config = connectorSettingsFromForm(kind, v);
      const secrets = v.secret ? { [secretName]: v.secret } : undefined;
      if (current) return api.connectors.update(current.key, { name: v.name, config, ...(secrets ? { secrets } : {}) });
      return api.connectors.create({ key: v.key, name: v.name, kind: v.kind, config, ...(secrets ? { secrets } : {}) } as ConnectorCreate);
    },
    onSuccess: onSaved,
  });
  const stored = !!current?.secretsSet.includes(secretName);
  return (
    <Modal open width={680} title={current ? `${t('编辑连接器', 'Edit connector')}：${current.name}` : t('新建连接器', 'New connector')} onCancel={onClose}
      okText={t('保存', 'Save')} cancelText={t('取消', 'Cancel')} confirmLoading={save.isPending} onOk={() => form.submit()} okButtonProps={{ 'data-testid': 'connector-save' } as Record<string, string>}>
      <ErrorAlert error={save.error} />
      <Form<FormValues> form={form} layout="vertical" onFinish={(v) => save.mutate(v)} data-testid="connector-form"
        initialValues={{ key: current?.key, name: current?.name, kind: current?.kind ?? 'http', ...connectorSettingsToForm(current?.kind ?? 'http', current?.config ?? null) }}
        onValuesChange={(changed: Partial<FormValues>) => { if (changed.kind && !current) form.setFieldsValue(connectorSettingsToForm(changed.kind, null)); }}>
        <Space style={{ display: 'flex' }} align="start">
          <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,62}$/, message: t('小写字母开头，只含小写字母、数字和下划线', 'lower case letters, digits, _') }]}>
            <Input disabled={!!current} style={{ width: 180 }} data-testid="connector-key" />
          </Form.Item>
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true, message: t('请填写名称', 'Name is required') }]}>
            <Input style={{ width: 200 }} data-testid="connector-name" />
          </Form.Item>
          <Form.Item name="kind" label={t('类型', 'Kind')}>
            <Select disabled={!!current} style={{ width: 230 }} data-testid="connector-kind" options={CONNECTOR_KINDS.map((k) => ({ value: k, label: t(...KIND_LABEL[k]) }))} />
          </Form.Item>
        </Space>
        <div data-testid="connector-settings">
          {schema.fields.map((f) => <SettingItem key={`${kind}:${f.key}`} f={f} shownBy={f.showIf ? (f.showIf.key === 'auth.type' ? authType : form.getFieldValue(f.showIf.key)) : undefined} />)}
        </div>
        <Form.Item name="secret" label={t(...secretLabel)} extra={stored ? t('已设置；留空则保持不变（密钥不会显示）', 'Stored; leave empty to keep it (never shown)') : t('只写：保存后不再显示', 'Write-only: never shown after saving')}>
          <Input.Password autoComplete="new-password" placeholder={stored ? t('已设置', 'stored') : ''} data-testid="connector-secret" visibilityToggle={false} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
