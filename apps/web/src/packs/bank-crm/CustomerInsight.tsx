/**
 * The 360° view's insight: the churn score with its top reasons (the server's exact per-feature
 * explanation of the pack's churn model) and the next-best-actions with accept / dismiss. Each part
 * shows only what the server answers the viewer: a viewer who may not read the customer's score or
 * the suggestions sees nothing (the server answers 403 / 404), a feature the viewer may not read
 * reads 「受限字段」, and accept / dismiss are offered only to whoever may record the decision.
 */
import { useState } from 'react';
import { App, Button, Card, Empty, Input, List, Progress, Space, Tag, Typography } from 'antd';
import { AlertOutlined, BulbOutlined, CheckOutlined, CloseOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, type NextAction } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { useRights } from '../../lib/rights';
import { ErrorAlert } from '../../components/common';

/** The pack's churn model and the threshold of its rule tag 流失高风险 (template.d/insight.json). */
const CHURN_MODEL = 'customer_churn';
const HIGH_RISK = 0.3;
/** The pack's object keeping next-action decisions. */
const DECISIONS = 'next_action';

/** An answer the viewer is not entitled to (or a model not trained yet): the part is left out. */
const hidden = (e: unknown) => e instanceof ApiError && [403, 404, 409].includes(e.status);

export function ChurnCard({ customerId }: { customerId: string }) {
  const t = useT();
  const q = useQuery({ queryKey: ['churn', customerId], queryFn: () => api.models.explain(CHURN_MODEL, customerId), retry: false });
  if (q.isLoading || (q.error && hidden(q.error))) return null;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const e = q.data;
  const p = e.probability;
  const level = p >= HIGH_RISK ? { color: 'red', text: t('流失高风险', 'High churn risk') } : p >= HIGH_RISK / 2 ? { color: 'orange', text: t('需关注', 'Watch') } : { color: 'green', text: t('稳定', 'Stable') };
  // The reasons pushing the score up, largest first (the explanation is sorted by absolute size).
  const reasons = e.contributions.filter((c) => c.contribution > 0).slice(0, 4);
  return (
    <Card size="small" title={<span><AlertOutlined style={{ color: '#cf1322', marginRight: 6 }} />{t('流失预警', 'Churn warning')}</span>} style={{ marginBottom: 16 }} data-testid="churn-card">
      <Space align="center" style={{ marginBottom: 8 }}>
        <Progress type="circle" size={64} percent={Math.round(p * 100)} strokeColor={level.color === 'red' ? '#cf1322' : level.color === 'orange' ? '#d48806' : '#389e0d'} />
        <div>
          <Tag color={level.color} data-testid="churn-level">{level.text}</Tag>
          <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{t(`流失概率 ${(p * 100).toFixed(1)}%（模型第 ${e.version} 版）`, `Churn probability ${(p * 100).toFixed(1)}% (model v${e.version})`)}</Typography.Text></div>
        </div>
      </Space>
      <Typography.Text strong style={{ display: 'block', marginBottom: 4 }}>{t('主要原因', 'Top reasons')}</Typography.Text>
      {reasons.length ? (
        <List size="small" dataSource={reasons} data-testid="churn-reasons"
          renderItem={(c) => (
            <List.Item style={{ padding: '4px 0' }}>
              <span>{c.restricted ? <Tag>{c.label}</Tag> : c.text ?? c.label}</span>
              <Typography.Text type="danger" style={{ fontSize: 12 }}>{`+${c.contribution.toFixed(2)}`}</Typography.Text>
            </List.Item>
          )} />
      ) : <Typography.Text type="secondary">{t('没有推高风险的因素', 'Nothing raises the risk')}</Typography.Text>}
    </Card>
  );
}

export function NextActionsCard({ customerId }: { customerId: string }) {
  const t = useT();
  const rights = useRights();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const q = useQuery({ queryKey: ['next-actions', customerId], queryFn: () => api.customers.nextActions(customerId), retry: false });
  const [dismissing, setDismissing] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const done = (text: string) => {
    void message.success(text);
    setDismissing(null);
    setReason('');
    void qc.invalidateQueries({ queryKey: ['next-actions', customerId] });
    void qc.invalidateQueries({ queryKey: ['customer360', customerId] });
  };
  const accept = useMutation({ mutationFn: (a: NextAction) => api.customers.acceptNextAction(customerId, a.id), onSuccess: () => done(t('已采纳：已为客户经理安排跟进', 'Accepted: a follow-up is planned for the customer manager')) });
  const dismiss = useMutation({ mutationFn: (a: NextAction) => api.customers.dismissNextAction(customerId, a.id, reason.trim()), onSuccess: () => done(t('已忽略，原因已记录', 'Dismissed; the reason is kept')) });
  if (q.isLoading || (q.error && hidden(q.error))) return null;
  if (q.error || !q.data) return <ErrorAlert error={q.error} />;
  const mayDecide = rights.can(DECISIONS, 'create');
  return (
    <Card size="small" title={<span><BulbOutlined style={{ color: '#d48806', marginRight: 6 }} />{t('下一步建议', 'Next best actions')}</span>} style={{ marginBottom: 16 }} data-testid="next-actions">
      <ErrorAlert error={accept.error ?? dismiss.error} />
      {q.data.length ? (
        <List size="small" dataSource={q.data}
          renderItem={(a) => (
            <List.Item style={{ display: 'block' }} data-action={a.id}>
              <div><b>{a.title}</b> <Tag>{`${Math.round(a.score * 100)}%`}</Tag></div>
              <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{a.reason}</Typography.Text></div>
              {mayDecide && (dismissing === a.id ? (
                <Space.Compact style={{ width: '100%', marginTop: 6 }}>
                  <Input size="small" value={reason} onChange={(ev) => setReason(ev.target.value)} placeholder={t('忽略原因（必填）', 'Why (required)')} data-testid="dismiss-reason" />
                  <Button size="small" type="primary" disabled={!reason.trim()} loading={dismiss.isPending} onClick={() => dismiss.mutate(a)} data-testid="dismiss-confirm">{t('确定', 'OK')}</Button>
                  <Button size="small" onClick={() => setDismissing(null)}>{t('取消', 'Cancel')}</Button>
                </Space.Compact>
              ) : (
                <Space style={{ marginTop: 6, display: 'flex' }}>
                  <Button size="small" type="primary" icon={<CheckOutlined />} loading={accept.isPending && accept.variables?.id === a.id} onClick={() => accept.mutate(a)} data-testid="accept-action">{t('采纳', 'Accept')}</Button>
                  <Button size="small" icon={<CloseOutlined />} onClick={() => { setDismissing(a.id); setReason(''); }} data-testid="dismiss-action">{t('忽略', 'Dismiss')}</Button>
                </Space>
              ))}
            </List.Item>
          )} />
      ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无建议', 'No suggestions')} />}
    </Card>
  );
}
