/**
 * Segments (客群): the saved customer filters with the number of customers each holds as the caller
 * may see them; a segment's members page by page (names, never ids); and from a segment, planning a
 * campaign for it (`marketing.manage`) or starting a process once per member (`process.start`).
 */
import { useState } from 'react';
import { App, Button, Card, Descriptions, Form, InputNumber, Modal, Select, Space, Table, Tag } from 'antd';
import { BranchesOutlined, NotificationOutlined, TeamOutlined } from '@ant-design/icons';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import type { RecordData, SegmentWithCount } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useLang, useT } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { displayText } from '../../lib/display';
import { ErrorAlert, PageHeader } from '../../components/common';

const MEMBER_COLUMNS = ['customer_no', 'customer_type', 'segment', 'risk_level', 'kyc_status'];
const PAGE = 20;

const useRight = (r: string) => !!useAuth((s) => s.user)?.platform?.some((x) => x === r);

export function SegmentListPage() {
  const t = useT();
  const nav = useNavigate();
  const list = useQuery({ queryKey: ['segments'], queryFn: () => api.customers.listSegments() });
  return (
    <div>
      <PageHeader title={t('客群', 'Segments')} sub={t('按条件圈定的客户群体：人数按您可查看的客户计算', 'Customers chosen by conditions: counted as far as you may see them')} />
      <ErrorAlert error={list.error} />
      <Card size="small">
        <Table<SegmentWithCount>
          size="small"
          rowKey="id"
          loading={list.isLoading}
          dataSource={list.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          data-testid="segment-list"
          onRow={(s) => ({ onClick: () => nav(`/segments/${encodeURIComponent(String(s.code))}`), style: { cursor: 'pointer' } })}
          columns={[
            { title: t('客群名称', 'Segment'), dataIndex: 'name', render: (v: unknown, s) => <Link to={`/segments/${encodeURIComponent(String(s.code))}`}>{String(v ?? s.code)}</Link> },
            { title: t('编码', 'Code'), dataIndex: 'code' },
            { title: t('说明', 'Description'), dataIndex: 'description', render: (v: unknown) => String(v ?? '') },
            {
              title: t('客户数', 'Customers'), dataIndex: 'count', align: 'right',
              render: (v: number | null) => (v === null ? <Tag color="orange">{t('无法统计', 'Cannot count')}</Tag> : <b data-testid="segment-count">{v.toLocaleString('zh-CN')}</b>),
            },
          ]}
        />
      </Card>
    </div>
  );
}

function StartProcessModal({ code, open, onClose }: { code: string; open: boolean; onClose(): void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ processKey: string; max: number }>();
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list(), enabled: open });
  const start = useMutation({
    mutationFn: (v: { processKey: string; max: number }) => api.customers.startSegmentProcess(code, v),
    onSuccess: (r) => { message.success(t(`已为 ${r.started} 位客户发起流程`, `Started for ${r.started} customers`)); onClose(); },
  });
  return (
    <Modal open={open} title={t('批量发起流程', 'Start a process for members')} onCancel={onClose} onOk={() => form.submit()} okText={t('发起', 'Start')} cancelText={t('取消', 'Cancel')} confirmLoading={start.isPending} destroyOnHidden>
      <ErrorAlert error={defs.error ?? start.error} />
      <Form form={form} layout="vertical" initialValues={{ max: 100 }} onFinish={(v) => start.mutate(v)} data-testid="segment-start-form">
        <Form.Item name="processKey" label={t('流程', 'Process')} rules={[{ required: true, message: t('请选择流程', 'Choose a process') }]}>
          <Select data-testid="segment-start-process" showSearch optionFilterProp="label" loading={defs.isLoading}
            options={(defs.data ?? []).map((d) => ({ value: d.key, label: d.name ?? d.key }))} />
        </Form.Item>
        <Form.Item name="max" label={t('最多发起（位客户）', 'At most (customers)')} extra={t('按客群成员顺序，每位客户发起一个流程实例', 'One process instance per member, in the segment\'s order')}>
          <InputNumber min={1} max={1000} style={{ width: '100%' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function SegmentPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const { lang } = useLang();
  const { code = '' } = useParams();
  const canStart = useRight('process.start');
  const canMarket = useRight('marketing.manage');
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [starting, setStarting] = useState(false);
  const cursor = cursors[cursors.length - 1];
  const objects = useObjects();
  const segment = useQuery({ queryKey: ['segments', code], queryFn: () => api.customers.getSegment(code) });
  const members = useQuery({ queryKey: ['segments', code, 'members', cursor], queryFn: () => api.customers.segmentMembers(code, { limit: PAGE, ...(cursor ? { cursor } : {}) }) });
  const target = String(segment.data?.target_object ?? 'customer');
  const obj = (objects.data ?? []).find((o) => o.key === target);
  const field = (k: string) => obj?.fields.find((f) => f.key === k);
  const titleKey = obj?.titleField ?? 'name';
  const cols = MEMBER_COLUMNS.filter((k) => field(k));

  return (
    <div>
      <PageHeader
        title={<span><TeamOutlined /> {String(segment.data?.name ?? code)}</span>}
        sub={String(segment.data?.description ?? '')}
        extra={
          <Space wrap>
            {canMarket && <Button icon={<NotificationOutlined />} onClick={() => nav(`/campaigns/new?segment=${encodeURIComponent(code)}`)} data-testid="segment-campaign">{t('发起营销活动', 'Plan a campaign')}</Button>}
            {canStart && <Button type="primary" icon={<BranchesOutlined />} onClick={() => setStarting(true)} data-testid="segment-start">{t('批量发起流程', 'Start a process')}</Button>}
          </Space>
        }
      />
      <ErrorAlert error={segment.error ?? members.error} />
      {segment.data && (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('编码', 'Code')}>{String(segment.data.code)}</Descriptions.Item>
            <Descriptions.Item label={t('对象', 'Object')}>{obj ? l(obj.label, obj.key) : target}</Descriptions.Item>
            <Descriptions.Item label={t('客户数', 'Customers')}>{segment.data.count === null ? t('无法统计', 'Cannot count') : segment.data.count.toLocaleString('zh-CN')}</Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Card size="small" title={t('客群成员', 'Members')}>
        <Table<RecordData>
          size="small"
          rowKey="id"
          loading={members.isLoading}
          dataSource={members.data?.items ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          data-testid="segment-members"
          columns={[
            {
              title: l(field(titleKey)?.label, t('名称', 'Name')), key: 'title',
              render: (_, r) => <Link to={target === 'customer' ? `/customers/${r.id}` : `/records/${target}/${r.id}`}>{displayText(field(titleKey), r, titleKey, lang) || t('（无名称）', '(no name)')}</Link>,
            },
            ...cols.map((k) => ({ title: l(field(k)?.label, k), key: k, render: (_: unknown, r: RecordData) => displayText(field(k), r, k, lang) })),
          ]}
        />
        <Space style={{ marginTop: 12 }} wrap>
          <span>{t(`共 ${members.data?.total ?? '—'} 位`, `${members.data?.total ?? '—'} in all`)}</span>
          <Button size="small" disabled={cursors.length <= 1} onClick={() => setCursors(cursors.slice(0, -1))}>{t('上一页', 'Previous')}</Button>
          <span>{t(`第 ${cursors.length} 页`, `Page ${cursors.length}`)}</span>
          <Button size="small" disabled={!members.data?.nextCursor} onClick={() => setCursors([...cursors, members.data?.nextCursor ?? undefined])} data-testid="segment-next">{t('下一页', 'Next')}</Button>
        </Space>
      </Card>
      <StartProcessModal code={code} open={starting} onClose={() => setStarting(false)} />
    </div>
  );
}
