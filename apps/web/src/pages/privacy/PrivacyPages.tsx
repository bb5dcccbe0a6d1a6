/**
 * PIPL requests for the data-protection officer (platform right `privacy`): the list with deadlines
 * and overdue flags, registering a request (finding the customer by ID number or mobile), and a
 * request's detail — its stage, everything found about the person, the legal holds with their
 * reasons, the outcome, and the copy package's one download.
 */
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { Alert, Button, Card, Col, Descriptions, Form, Input, Modal, Progress, Row, Select, Space, Steps, Table, Tag, Typography } from 'antd';
import { DownloadOutlined, PlusOutlined, SearchOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import type { PrivacyHold, PrivacyRequest, PrivacyRequestInput } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';

type T = ReturnType<typeof useT>;

/** An object's label in the caller's language (its key until metadata has loaded). */
function useObjectLabel(): (key: string) => string {
  const l = useL();
  const objects = useObjects();
  return (key: string) => {
    const o = objects.data?.find((x) => x.key === key);
    return o ? l(o.label, key) : key;
  };
}

const RIGHTS: Record<PrivacyRequest['right'], [string, string]> = {
  access: ['查阅', 'Access'], copy: ['复制', 'Copy'], correct: ['更正', 'Correction'], delete: ['删除', 'Deletion'], withdraw: ['撤回同意', 'Consent withdrawal'],
};
const CHANNELS: Record<string, [string, string]> = {
  branch: ['网点', 'Branch'], app: ['手机银行', 'App'], call_center: ['客服中心', 'Call centre'], wechat_work: ['企业微信', 'WeChat Work'], mail: ['信函', 'Mail'], email: ['电子邮件', 'E-mail'],
};
const STAGES = ['received', 'verified', 'fulfilled', 'answered'] as const;
const STATUS: Record<PrivacyRequest['status'], [string, string, string]> = {
  received: ['已受理', 'Received', 'blue'], verified: ['身份已核验', 'Verified', 'cyan'], fulfilling: ['办理中', 'Fulfilling', 'gold'],
  fulfilled: ['已办理', 'Fulfilled', 'green'], answered: ['已答复', 'Answered', 'default'], rejected: ['已驳回', 'Rejected', 'red'], failed: ['失败', 'Failed', 'red'],
};

function StatusTag({ r, t }: { r: PrivacyRequest; t: T }) {
  const [zh, en, color] = STATUS[r.status];
  return (
    <Space size={4}>
      <Tag color={color}>{t(zh, en)}</Tag>
      {r.overdue && <Tag color="red">{t('已逾期', 'Overdue')}</Tag>}
      {r.escalatedAt && <Tag color="volcano">{t('已升级督办', 'Escalated')}</Tag>}
    </Space>
  );
}

function NewRequest({ open, onClose }: { open: boolean; onClose: () => void }) {
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [form] = Form.useForm<PrivacyRequestInput & { idNumber?: string; mobile?: string }>();
  const [found, setFound] = useState<{ id: string; title: string }[] | null>(null);
  const lookup = useMutation({
    mutationFn: (v: { idNumber?: string; mobile?: string }) => api.privacy.lookup(v),
    onSuccess: (items) => {
      setFound(items);
      if (items.length === 1) form.setFieldValue('subjectId', items[0]!.id);
    },
  });
  const create = useMutation({
    mutationFn: (v: PrivacyRequestInput) => api.privacy.createRequest(v),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['privacy', 'requests'] });
      onClose();
      void nav(`/privacy/${r.id}`);
    },
  });
  return (
    <Modal open={open} onCancel={onClose} title={t('登记个人信息权利请求', 'Register a personal-information request')} okText={t('提交', 'Submit')}
      okButtonProps={{ loading: create.isPending, 'data-testid': 'privacy-submit' } as React.ComponentProps<typeof Button>} onOk={() => form.submit()} width={560} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={(v) => create.mutate({ subjectId: v.subjectId, right: v.right, channel: v.channel })} initialValues={{ channel: 'branch', right: 'access' }}>
        <Form.Item label={t('查找客户（证件号或手机号）', 'Find the customer (ID number or mobile)')}>
          <Space.Compact style={{ width: '100%' }}>
            <Form.Item name="idNumber" noStyle><Input placeholder={t('身份证号', 'ID number')} data-testid="privacy-id-number" /></Form.Item>
            <Form.Item name="mobile" noStyle><Input placeholder={t('手机号', 'Mobile')} /></Form.Item>
            <Button icon={<SearchOutlined />} loading={lookup.isPending} data-testid="privacy-lookup"
              onClick={() => lookup.mutate({ idNumber: form.getFieldValue('idNumber') || undefined, mobile: form.getFieldValue('mobile') || undefined })}>{t('查找', 'Find')}</Button>
          </Space.Compact>
        </Form.Item>
        <ErrorAlert error={lookup.error} />
        {found && found.length === 0 && <Alert type="warning" showIcon style={{ marginBottom: 12 }} title={t('未找到客户', 'No customer found')} />}
        <Form.Item name="subjectId" label={t('数据主体（客户）', 'Data subject (customer)')} rules={[{ required: true, message: t('请先查找客户', 'Find the customer first') }]}>
          <Select data-testid="privacy-subject" options={(found ?? []).map((f) => ({ value: f.id, label: `${f.title}（${f.id.slice(0, 8)}）` }))} placeholder={t('查找后选择', 'Choose after finding')} />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="right" label={t('请求的权利', 'Right')} rules={[{ required: true }]}>
              <Select data-testid="privacy-right" options={Object.entries(RIGHTS).map(([v, l]) => ({ value: v, label: t(...l) }))} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="channel" label={t('受理渠道', 'Channel')} rules={[{ required: true }]}>
              <Select options={Object.entries(CHANNELS).map(([v, l]) => ({ value: v, label: t(...l) }))} />
            </Form.Item>
          </Col>
        </Row>
        <ErrorAlert error={create.error} />
      </Form>
    </Modal>
  );
}

export function PrivacyListPage() {
  const t = useT();
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState<PrivacyRequest['status'] | undefined>();
  const q = useQuery({ queryKey: ['privacy', 'requests', status], queryFn: () => api.privacy.listRequests({ status, limit: 200 }) });
  return (
    <div>
      <PageHeader title={t('个人信息权利请求', 'Personal-information requests')}
        sub={t('查阅、复制、更正、删除与撤回同意（《个人信息保护法》第四章），法定期限按工作日计算', 'Access, copy, correction, deletion and consent withdrawal (PIPL ch. IV), deadlines in working days')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => setOpen(true)} data-testid="privacy-new">{t('登记请求', 'Register a request')}</Button>} />
      <Card size="small" style={{ marginBottom: 12 }}>
        <Space>
          {t('状态', 'Status')}
          <Select allowClear style={{ width: 160 }} value={status} onChange={setStatus} placeholder={t('全部', 'All')}
            options={Object.entries(STATUS).map(([v, [zh, en]]) => ({ value: v, label: t(zh, en) }))} />
        </Space>
      </Card>
      <ErrorAlert error={q.error} />
      <Card size="small">
        <Table<PrivacyRequest>
          size="small"
          rowKey="id"
          loading={q.isLoading}
          dataSource={q.data ?? []}
          pagination={{ pageSize: 20 }}
          data-testid="privacy-requests"
          columns={[
            { title: t('请求', 'Request'), dataIndex: 'id', render: (id: string) => <Link to={`/privacy/${id}`}><code>{id.slice(0, 8)}</code></Link> },
            { title: t('权利', 'Right'), dataIndex: 'right', render: (r: PrivacyRequest['right']) => t(...RIGHTS[r]) },
            { title: t('渠道', 'Channel'), dataIndex: 'channel', render: (c: string) => (CHANNELS[c] ? t(...CHANNELS[c]!) : c) },
            { title: t('状态', 'Status'), render: (_, r) => <StatusTag r={r} t={t} /> },
            { title: t('受理时间', 'Received'), dataIndex: 'createdAt', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm') },
            { title: t('法定期限', 'Deadline'), dataIndex: 'dueAt', render: (v: string, r) => <Typography.Text type={r.overdue ? 'danger' : undefined}>{dayjs(v).format('YYYY-MM-DD')}</Typography.Text> },
            { title: t('经办人', 'Handler'), dataIndex: 'requestedBy' },
          ]}
        />
      </Card>
      <NewRequest open={open} onClose={() => setOpen(false)} />
    </div>
  );
}

function Holds({ holds, t }: { holds: PrivacyHold[]; t: T }) {
  const label = useObjectLabel();
  if (!holds.length) return <Typography.Text type="secondary">{t('无依法留存的记录', 'Nothing under a legal hold')}</Typography.Text>;
  return (
    <Table<PrivacyHold> size="small" rowKey={(h) => `${h.object}:${h.id}`} dataSource={holds} pagination={false} data-testid="privacy-holds"
      columns={[
        { title: t('对象', 'Object'), dataIndex: 'object', render: (k: string) => label(k) },
        { title: t('记录', 'Record'), dataIndex: 'id', render: (v: string) => <code>{v.slice(0, 8)}</code> },
        { title: t('留存原因', 'Why kept'), dataIndex: 'reasonText' },
        { title: t('留存至', 'Until'), dataIndex: 'until', render: (v: string | null) => v ?? t('业务关系/贷款存续期间', 'While the relationship / loan runs') },
      ]} />
  );
}

export function PrivacyDetailPage() {
  const t = useT();
  const { id = '' } = useParams();
  const me = useAuth((s) => s.user);
  const qc = useQueryClient();
  const label = useObjectLabel();
  const r = useQuery({
    queryKey: ['privacy', 'requests', id],
    queryFn: () => api.privacy.getRequest(id),
    refetchInterval: (q) => (q.state.data && ['answered', 'rejected'].includes(q.state.data.status) ? false : 3000),
  });
  const jobId = (r.data?.result as { package?: { jobId?: string } } | undefined)?.package?.jobId;
  const job = useQuery({
    queryKey: ['jobs', jobId],
    queryFn: () => api.jobs.get(jobId!),
    enabled: !!jobId && r.data?.requestedBy === me?.username,
    refetchInterval: (q) => (q.state.data && ['done', 'failed'].includes(q.state.data.status) ? false : 1000),
  });
  const jobDone = job.data?.status === 'done';
  useEffect(() => {
    if (jobDone) void qc.invalidateQueries({ queryKey: ['privacy', 'requests', id] });
  }, [jobDone, qc, id]);
  const s = useQuery({ queryKey: ['privacy', 'subject', r.data?.subjectId], queryFn: () => api.privacy.subject(r.data!.subjectId), enabled: !!r.data });
  const download = useMutation({
    mutationFn: async () => {
      const bytes = await api.privacy.downloadPackage(id);
      const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `pipl-${id}.zip`;
      a.click();
      URL.revokeObjectURL(url);
    },
    onSettled: () => void qc.invalidateQueries({ queryKey: ['privacy', 'requests', id] }),
  });
  if (r.isLoading) return <Loading />;
  if (!r.data) return <ErrorAlert error={r.error} />;
  const req = r.data;
  const stage = Math.max(0, STAGES.indexOf(req.status as (typeof STAGES)[number]));
  const result = (req.result ?? {}) as { counts?: Record<string, number>; kept?: PrivacyHold[]; withdrawn?: { id: string; purpose: string }[]; anonymised?: number };
  const mine = req.requestedBy === me?.username;
  return (
    <div>
      <PageHeader title={`${t('个人信息权利请求', 'Personal-information request')} · ${t(...RIGHTS[req.right])}`} sub={<code>{req.id}</code>}
        extra={req.right === 'copy' && (
          <Button type="primary" icon={<DownloadOutlined />} disabled={!req.packageReady || !mine} loading={download.isPending} onClick={() => download.mutate()} data-testid="privacy-download">
            {req.packageReady ? t('下载副本（仅一次）', 'Download the copy (once)') : t('副本未就绪或已下载', 'No package to download')}
          </Button>
        )} />
      <Card size="small" style={{ marginBottom: 12 }}>
        {req.status === 'rejected'
          ? <Alert type="error" showIcon title={t('请求已驳回', 'The request was rejected')} />
          : <Steps size="small" current={stage} items={STAGES.map((st) => ({ title: t(STATUS[st][0], STATUS[st][1]) }))} />}
        {!['answered', 'rejected'].includes(req.status) && (
          <Progress style={{ marginTop: 12 }} percent={Math.round(((stage + 1) / STAGES.length) * 100)} status={req.overdue ? 'exception' : 'active'} data-testid="privacy-progress"
            format={() => t(`第 ${stage + 1}/${STAGES.length} 步`, `Step ${stage + 1}/${STAGES.length}`)} />
        )}
        <Descriptions size="small" column={3} style={{ marginTop: 12 }} items={[
          { key: 's', label: t('状态', 'Status'), children: <StatusTag r={req} t={t} /> },
          { key: 'subject', label: t('数据主体', 'Data subject'), children: <Link to={`/records/customer/${req.subjectId}`}>{req.subjectTitle ?? req.subjectId.slice(0, 8)}</Link> },
          { key: 'c', label: t('渠道', 'Channel'), children: CHANNELS[req.channel] ? t(...CHANNELS[req.channel]!) : req.channel },
          { key: 'rec', label: t('受理时间', 'Received'), children: dayjs(req.createdAt).format('YYYY-MM-DD HH:mm') },
          { key: 'due', label: t('法定期限', 'Deadline'), children: <Typography.Text type={req.overdue ? 'danger' : undefined}>{dayjs(req.dueAt).format('YYYY-MM-DD HH:mm')}</Typography.Text> },
          { key: 'ans', label: t('答复时间', 'Answered'), children: req.answeredAt ? dayjs(req.answeredAt).format('YYYY-MM-DD HH:mm') : '—' },
          { key: 'h', label: t('经办人', 'Handler'), children: req.requestedBy ?? '—' },
          { key: 'p', label: t('流程实例', 'Process'), children: req.processInstanceId ? <Link to={`/instances/${req.processInstanceId}`}><code>{req.processInstanceId.slice(0, 8)}</code></Link> : '—' },
        ]} />
      </Card>
      {req.result && (
        <Card size="small" title={t('办理结果', 'Outcome')} style={{ marginBottom: 12 }} data-testid="privacy-result">
          {result.counts && <Space wrap>{Object.entries(result.counts).map(([k, n]) => <Tag key={k}>{label(k)}：{n}</Tag>)}</Space>}
          {result.anonymised !== undefined && <p>{t(`已匿名化 ${result.anonymised} 条记录。`, `${result.anonymised} records anonymised.`)}</p>}
          {result.withdrawn && <p>{t(`已撤回 ${result.withdrawn.length} 项授权同意。`, `${result.withdrawn.length} consents withdrawn.`)}</p>}
          {result.kept && result.kept.length > 0 && <><Typography.Title level={5}>{t('依法保留', 'Kept by law')}</Typography.Title><Holds holds={result.kept} t={t} /></>}
        </Card>
      )}
      {job.data && job.data.status !== 'done' && (
        <Card size="small" title={t('副本生成中', 'Building the copy package')} style={{ marginBottom: 12 }}>
          <Progress data-testid="privacy-job-progress" status={job.data.status === 'failed' ? 'exception' : 'active'}
            percent={job.data.progress.total ? Math.round((job.data.progress.done / job.data.progress.total) * 100) : 0} />
          {job.data.error && <Alert type="error" showIcon title={job.data.error.message} />}
        </Card>
      )}
      <ErrorAlert error={download.error} />
      <Row gutter={12}>
        <Col span={14}>
          <Card size="small" title={t('查到的个人信息', 'What the bank holds')} loading={s.isLoading}>
            <ErrorAlert error={s.error} />
            {s.data && (
              <Table size="small" rowKey={(x) => `${x.object}:${x.id}`} dataSource={s.data.records} pagination={{ pageSize: 10 }} data-testid="privacy-records"
                columns={[
                  { title: t('对象', 'Object'), dataIndex: 'object', render: (k: string) => label(k) },
                  { title: t('记录', 'Record'), dataIndex: 'title', render: (v: string, x) => <Link to={`/records/${x.object}/${x.id}`}>{v}</Link> },
                ]} />
            )}
          </Card>
        </Col>
        <Col span={10}>
          <Card size="small" title={t('依法留存', 'Legal holds')} style={{ marginBottom: 12 }} loading={s.isLoading}>
            {s.data && <Holds holds={s.data.holds} t={t} />}
          </Card>
          <Card size="small" title={t('附件与流程', 'Attachments and processes')} loading={s.isLoading}>
            {s.data && (
              <Descriptions size="small" column={1} items={[
                { key: 'a', label: t('附件', 'Attachments'), children: s.data.attachments.map((a) => a.name).join('，') || '—' },
                { key: 'p', label: t('相关流程', 'Processes'), children: String(s.data.processes.length) },
                { key: 'au', label: t('审计记录', 'Audit entries'), children: String(s.data.auditEntries) },
              ]} />
            )}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
