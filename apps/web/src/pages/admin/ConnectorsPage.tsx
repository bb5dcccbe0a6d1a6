/**
 * Connectors to bank systems (platform right `designer`): the registry of named connectors — HTTP
 * interfaces (core banking, credit, the app), database pulls (a data-warehouse or core-banking replica),
 * WeChat Work and an SMS gateway — created and edited here; secrets are write-only (the screen shows only
 * which are stored); a connection test with its result; each connector's run history.
 */
import { useState } from 'react';
import { Alert, Button, Card, Drawer, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { ApiOutlined, HistoryOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import { CONNECTOR_KINDS, type Connector, type ConnectorCreate, type ConnectorKind, type ConnectorRunLogEntry, type ConnectorTestResult } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

const KIND_LABEL: Record<ConnectorKind, [string, string]> = {
  http: ['HTTP 接口（核心、信贷、手机银行等）', 'HTTP API (core banking, credit, app)'],
  'sql-pull': ['数据库拉取（数仓、核心只读库）', 'Database pull (warehouse, core replica)'],
  wecom: ['企业微信应用消息', 'WeChat Work app messages'],
  sms: ['短信网关', 'SMS gateway'],
};
/** The secret each kind stores, with its label. */
const SECRET_OF: Record<ConnectorKind, ['secret' | 'connectionString' | 'corpSecret', string, string]> = {
  http: ['secret', '接口密钥（口令、令牌或 API Key）', 'Secret (password, token or API key)'],
  'sql-pull': ['connectionString', '数据库连接串', 'Connection string'],
  wecom: ['corpSecret', '应用 Secret', 'Corp secret'],
  sms: ['secret', '网关密钥', 'Gateway secret'],
};
const TEMPLATE: Record<ConnectorKind, Record<string, unknown>> = {
  http: { baseUrl: 'https://core.bank.example/api', auth: { type: 'bearer' }, timeoutMs: 10000 },
  'sql-pull': { query: 'SELECT * FROM holdings', keyColumn: 'id', watermarkColumn: 'updated_at', object: 'holding', keyField: 'external_id', mapping: { id: 'external_id' }, batchSize: 500 },
  wecom: { baseUrl: 'https://qyapi.weixin.qq.com', corpId: 'ww0000000000', agentId: 1000002, ratePerMinute: 600 },
  sms: { url: 'https://sms.bank.example/send', auth: { type: 'api-key', header: 'x-api-key' }, phoneParam: 'phone', textParam: 'text' },
};

interface FormValues { key: string; name: string; kind: ConnectorKind; config: string; secret?: string }

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

function ConnectorEditor({ current, onClose, onSaved }: { current: Connector | null; onClose: () => void; onSaved: () => void }) {
  const t = useT();
  const [form] = Form.useForm<FormValues>();
  const kind = Form.useWatch('kind', form) ?? current?.kind ?? 'http';
  const [secretName, secretZh, secretEn] = SECRET_OF[kind];
  const save = useMutation({
    mutationFn: async (v: FormValues) => {
      let config: Record<string, unknown>;
      try {
        config = JSON.parse(v.config) as Record<string, unknown>;
      } catch {
        throw new Error(t('配置不是有效的 JSON', 'The settings are not valid JSON'));
      }
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
        initialValues={{ key: current?.key, name: current?.name, kind: current?.kind ?? 'http', config: JSON.stringify(current?.config ?? TEMPLATE.http, null, 2) }}
        onValuesChange={(changed: Partial<FormValues>) => { if (changed.kind && !current) form.setFieldValue('config', JSON.stringify(TEMPLATE[changed.kind], null, 2)); }}>
        <Space style={{ display: 'flex' }} align="start">
          <Form.Item name="key" label={t('标识', 'Key')} rules={[{ required: true, pattern: /^[a-z][a-z0-9_]{0,62}$/, message: t('小写字母开头，只含小写字母、数字和下划线', 'lower case letters, digits, _') }]}>
            <Input disabled={!!current} style={{ width: 180 }} data-testid="connector-key" />
          </Form.Item>
          <Form.Item name="name" label={t('名称', 'Name')} rules={[{ required: true }]}>
            <Input style={{ width: 200 }} data-testid="connector-name" />
          </Form.Item>
          <Form.Item name="kind" label={t('类型', 'Kind')}>
            <Select disabled={!!current} style={{ width: 230 }} data-testid="connector-kind" options={CONNECTOR_KINDS.map((k) => ({ value: k, label: t(...KIND_LABEL[k]) }))} />
          </Form.Item>
        </Space>
        <Form.Item name="config" label={t('配置（JSON，不含密钥）', 'Settings (JSON, no secrets)')} rules={[{ required: true }]}>
          <Input.TextArea rows={9} style={{ fontFamily: 'monospace', fontSize: 12 }} data-testid="connector-config" />
        </Form.Item>
        <Form.Item name="secret" label={t(secretZh, secretEn)} extra={stored ? t('已设置；留空则保持不变（密钥不会显示）', 'Stored; leave empty to keep it (never shown)') : t('只写：保存后不再显示', 'Write-only: never shown after saving')}>
          <Input.Password autoComplete="new-password" placeholder={stored ? t('已设置', 'stored') : ''} data-testid="connector-secret" visibilityToggle={false} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
