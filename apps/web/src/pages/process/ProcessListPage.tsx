import { useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Space, Table, Tag } from 'antd';
import { BranchesOutlined, EditOutlined, NodeIndexOutlined, PlayCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from 'react-router';
import dayjs from 'dayjs';
import { type ProcessDefinition } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

export function StartProcessModal({ processKey, onClose }: { processKey: string; onClose(): void }) {
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const [vars, setVars] = useState('{\n  \n}');
  const [businessKey, setBusinessKey] = useState('');
  const [parseError, setParseError] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: (variables: Record<string, unknown>) => api.processes.start(processKey, { variables, businessKey: businessKey || undefined }),
    onSuccess: (inst) => {
      message.success(t('流程已发起', 'Process started'));
      qc.invalidateQueries({ queryKey: ['tasks'] });
      qc.invalidateQueries({ queryKey: ['instances'] });
      onClose();
      nav(`/instances/${inst.id}`);
    },
  });
  return (
    <Modal open title={`${t('发起流程', 'Start process')} · ${processKey}`} onCancel={onClose} okText={t('发起', 'Start')} confirmLoading={start.isPending}
      onOk={() => {
        let v: Record<string, unknown>;
        try { v = vars.trim() ? JSON.parse(vars) : {}; setParseError(null); } catch (e) { setParseError((e as Error).message); return; }
        start.mutate(v);
      }}>
      <ErrorAlert error={start.error} />
      <Form layout="vertical">
        <Form.Item label={t('业务主键（如客户或工单编号，可选）', 'Business key (optional)')}>
          <Input value={businessKey} onChange={(e) => setBusinessKey(e.target.value)} data-testid="start-business-key" />
        </Form.Item>
        <Form.Item label={t('流程变量（JSON）', 'Variables (JSON)')} validateStatus={parseError ? 'error' : undefined} help={parseError}>
          <Input.TextArea rows={6} value={vars} onChange={(e) => setVars(e.target.value)} style={{ fontFamily: 'monospace' }} data-testid="start-variables" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function ProcessListPage() {
  const t = useT();
  const nav = useNavigate();
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const [starting, setStarting] = useState<string | null>(null);
  return (
    <div>
      <PageHeader
        title={t('流程设计', 'Process designer')}
        sub={t('用 BPMN 2.0 绘制业务流程：审批、尽调、投诉处理……部署后即可发起。', 'Draw business processes in BPMN 2.0 — approvals, due diligence, complaints — and start them once deployed.')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/design/processes/new')} data-testid="new-process">{t('新建流程', 'New process')}</Button>}
      />
      <ErrorAlert error={defs.error} />
      <Card>
        <Table<ProcessDefinition>
          rowKey={(d) => d.id ?? d.key}
          loading={defs.isLoading}
          dataSource={(defs.data ?? [])}
          pagination={false}
          locale={{ emptyText: t('还没有部署的流程', 'No process deployed yet') }}
          columns={[
            { title: t('流程名称', 'Name'), render: (_, d) => <Link to={`/design/processes/${d.key}`}><BranchesOutlined /> {d.name || d.key}</Link> },
            { title: t('标识', 'Key'), dataIndex: 'key', render: (k) => <code>{k}</code> },
            { title: t('最新版本', 'Latest version'), dataIndex: 'version', render: (v) => <Tag color="blue">v{v}</Tag> },
            { title: t('部署时间', 'Deployed'), render: (_, d) => (d.deployedAt ? dayjs(String(d.deployedAt)).format('YYYY-MM-DD HH:mm') : '') },
            {
              title: t('操作', 'Actions'),
              render: (_, d) => (
                <Space>
                  <Link to={`/design/processes/${d.key}`}><EditOutlined /> {t('设计', 'Design')}</Link>
                  <a onClick={() => setStarting(d.key)} data-testid={`start-${d.key}`}><PlayCircleOutlined /> {t('发起', 'Start')}</a>
                  <Link to={`/instances?definitionKey=${d.key}`}><NodeIndexOutlined /> {t('实例', 'Instances')}</Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      {starting && <StartProcessModal processKey={starting} onClose={() => setStarting(null)} />}
    </div>
  );
}
