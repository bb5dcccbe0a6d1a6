/**
 * Insight models (designers): the list, and a model's designer — object, label (FEEL), features picked
 * from the object's fields and from aggregates of related records, train filter, score field — with
 * training and scoring as background jobs (progress bars) and the trained versions' metrics: holdout
 * AUC against the logistic baseline, log loss, lift at the top 10 % / 20 %, the calibration table and
 * the feature importance as a bar chart.
 */
import { useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, Checkbox, Col, Descriptions, Empty, Form, Input, InputNumber, Progress, Row, Select, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { DeleteOutlined, ExperimentOutlined, PlusOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import ReactECharts from 'echarts-for-react';
import dayjs from 'dayjs';
import { MODEL_AGGREGATE_FUNCTIONS, type Field, type Model, type ModelAggregate, type ModelDefinitionInput, type ModelFeature, type ModelMetrics, type ModelVersion, type ObjectDefinition } from '@crm/shared';
import { api } from '../../lib/api';
import { useJob } from '../../lib/jobs';
import { useL, useT, type T } from '../../lib/i18n';
import { useObjects } from '../../lib/meta';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { FeelEditor } from '../../components/FeelEditor';

const AGG_LABELS: Record<(typeof MODEL_AGGREGATE_FUNCTIONS)[number], [string, string]> = {
  count: ['计数', 'Count'], sum: ['求和', 'Sum'], avg: ['平均', 'Average'], min: ['最小', 'Minimum'], max: ['最大', 'Maximum'],
};
/** Field types a model reads as numbers, categories, dates or lists. */
const FEATURE_TYPES = new Set(['text', 'number', 'integer', 'decimal', 'money', 'percent', 'select', 'multiselect', 'boolean', 'date', 'datetime', 'tags', 'rating']);
const NUMERIC = new Set(['number', 'integer', 'decimal', 'money', 'percent']);
const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '—' : v.toFixed(digits));

export function ModelListPage() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const objects = useObjects();
  const list = useQuery({ queryKey: ['models'], queryFn: () => api.models.list() });
  const objectLabel = (key: string) => l((objects.data ?? []).find((o) => o.key === key)?.label, key);
  return (
    <div>
      <PageHeader title={t('智能模型', 'Insight models')} sub={t('在行内数据上训练的预测模型（如客户流失预警），评分写入普通字段，供客群、规则标签、报表与流程使用', 'Models trained on the bank’s own records (e.g. churn warning); scores are written to ordinary fields for segments, rule tags, reports and processes')}
        extra={<Button type="primary" icon={<PlusOutlined />} onClick={() => nav('/design/models/new')} data-testid="model-new">{t('新建模型', 'New model')}</Button>} />
      <ErrorAlert error={list.error} />
      <Table size="middle" rowKey="key" loading={list.isLoading} dataSource={list.data ?? []} data-testid="model-list" pagination={{ pageSize: 20, hideOnSinglePage: true }}
        columns={[
          { key: 'name', title: t('模型', 'Model'), render: (_, m) => <a onClick={() => nav(`/design/models/${m.key}`)} data-model={m.key}>{m.name}</a> },
          { key: 'object', title: t('对象', 'Object'), render: (_, m) => objectLabel(m.object) },
          { key: 'status', title: t('状态', 'Status'), render: (_, m) => (m.status === 'trained' ? <Tag color="green">{t(`已训练 · 第 ${m.version} 版`, `Trained · v${m.version}`)}</Tag> : <Tag>{t('草稿', 'Draft')}</Tag>) },
          { key: 'auc', title: t('留出集 AUC', 'Holdout AUC'), render: (_, m) => fmt(m.auc) },
          { key: 'updated', title: t('更新时间', 'Updated'), render: (_, m) => dayjs(m.updatedAt).format('YYYY-MM-DD HH:mm') },
        ]} />
    </div>
  );
}

interface Draft {
  key: string;
  name: string;
  object: string;
  label: string;
  fieldFeatures: string[];
  expressions: { expression: string; label: string; reason: string }[];
  aggregates: ModelAggregate[];
  trainFilter: string;
  scoreField: string | undefined;
}

const emptyDraft: Draft = { key: '', name: '', object: '', label: '', fieldFeatures: [], expressions: [], aggregates: [], trainFilter: '', scoreField: undefined };

/** A model as the designer edits it: plain field keys are ticked, everything else is an expression row. */
function toDraft(m: Model, fieldKeys: Set<string>): Draft {
  const fieldFeatures: string[] = [];
  const expressions: Draft['expressions'] = [];
  for (const f of m.features) {
    if (typeof f === 'string' && fieldKeys.has(f)) fieldFeatures.push(f);
    else if (typeof f === 'string') expressions.push({ expression: f, label: '', reason: '' });
    else expressions.push({ expression: f.expression, label: typeof f.label === 'string' ? f.label : (f.label?.['zh-CN'] ?? ''), reason: f.reason ?? '' });
  }
  return { key: m.key, name: m.name, object: m.object, label: m.label, fieldFeatures, expressions, aggregates: m.aggregates, trainFilter: m.trainFilter ?? '', scoreField: m.scoreField ?? undefined };
}

function toBody(d: Draft): Omit<ModelDefinitionInput, 'key'> {
  const features: ModelFeature[] = [
    ...d.fieldFeatures,
    ...d.expressions.filter((e) => e.expression.trim()).map((e) => (e.label || e.reason ? { expression: e.expression.trim(), ...(e.label ? { label: e.label } : {}), ...(e.reason ? { reason: e.reason } : {}) } : e.expression.trim())),
  ];
  return {
    name: d.name, kind: 'classification', object: d.object, label: d.label, features, aggregates: d.aggregates,
    ...(d.trainFilter.trim() ? { trainFilter: d.trainFilter.trim() } : {}), ...(d.scoreField ? { scoreField: d.scoreField } : {}),
  };
}

export function ModelDesignerPage() {
  const { key = 'new' } = useParams();
  const isNew = key === 'new';
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const objects = useObjects();
  const model = useQuery({ queryKey: ['model', key], queryFn: () => api.models.get(key), enabled: !isNew });
  const versions = useQuery({ queryKey: ['model-versions', key], queryFn: () => api.models.versions(key), enabled: !isNew && model.data?.status === 'trained' });
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [loaded, setLoaded] = useState(false);
  const [trainJob, setTrainJob] = useState<string | null>(null);
  const [scoreJob, setScoreJob] = useState<string | null>(null);
  const [tab, setTab] = useState<string | undefined>(undefined);
  const obj = (objects.data ?? []).find((o) => o.key === draft.object);
  useEffect(() => {
    if (!loaded && model.data && objects.data) {
      const o = objects.data.find((x) => x.key === model.data.object);
      setDraft(toDraft(model.data, new Set((o?.fields ?? []).map((f) => f.key))));
      setLoaded(true);
    }
  }, [loaded, model.data, objects.data]);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () => (isNew ? api.models.create({ key: draft.key, ...toBody(draft) }) : api.models.update(key, toBody(draft))),
    onSuccess: (m) => {
      void message.success(t('模型已保存', 'Model saved'));
      void qc.invalidateQueries({ queryKey: ['models'] });
      qc.setQueryData(['model', m.key], m);
      if (isNew) nav(`/design/models/${m.key}`, { replace: true });
    },
  });
  const train = useMutation({ mutationFn: () => api.models.train(key), onSuccess: (r) => setTrainJob(r.jobId) });
  const score = useMutation({ mutationFn: () => api.models.score(key), onSuccess: (r) => setScoreJob(r.jobId) });
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ['model', key] });
    void qc.invalidateQueries({ queryKey: ['model-versions', key] });
    void qc.invalidateQueries({ queryKey: ['models'] });
  };
  // Names the label, filter and expressions may use: the object's fields and the model's aggregates.
  const names: Field[] = useMemo(() => [
    ...(obj?.fields ?? []),
    ...draft.aggregates.filter((a) => a.key).map((a) => ({ key: a.key, label: a.label ?? a.key, type: a.agg === 'count' ? 'integer' : 'decimal' } as Field)),
  ], [obj, draft.aggregates]);
  if (!isNew && model.isLoading) return <Loading />;
  if (!isNew && model.error) return <ErrorAlert error={model.error} />;
  const m = model.data;
  const featureFields = (obj?.fields ?? []).filter((f) => FEATURE_TYPES.has(f.type) && f.key !== draft.scoreField && (f.sensitivity ?? 1) < 3);
  const scoreFields = (obj?.fields ?? []).filter((f) => f.type === 'decimal' || f.type === 'percent');
  const design = (
    <Card size="small" data-testid="model-form">
      <Form layout="vertical">
        <Row gutter={16}>
          <Col xs={24} md={8}><Form.Item label={t('标识', 'Key')} required><Input value={draft.key} disabled={!isNew} onChange={(e) => set({ key: e.target.value })} placeholder="customer_churn" data-testid="model-key" /></Form.Item></Col>
          <Col xs={24} md={8}><Form.Item label={t('名称', 'Name')} required><Input value={draft.name} onChange={(e) => set({ name: e.target.value })} data-testid="model-name" /></Form.Item></Col>
          <Col xs={24} md={8}>
            <Form.Item label={t('对象', 'Object')} required>
              <Select value={draft.object || undefined} onChange={(v: string) => set({ object: v, fieldFeatures: [], scoreField: undefined })} data-testid="model-object" showSearch optionFilterProp="label"
                options={(objects.data ?? []).map((o: ObjectDefinition) => ({ value: o.key, label: l(o.label, o.key) }))} placeholder={t('选择对象', 'Choose an object')} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item label={t('标签（FEEL：true 为正例，false 为负例，null 表示结果未知——不参与训练，仍会评分）', 'Label (FEEL: true positive, false negative, null unknown — not trained on, still scored)')} required>
          <FeelEditor value={draft.label} onChange={(v) => set({ label: v })} fields={names} testId="model-label" placeholder="open_holdings = 0" />
        </Form.Item>
        <Form.Item label={t('关联记录聚合（如近90日投诉次数）', 'Aggregates of related records (e.g. complaints in the last 90 days)')}>
          <AggregatesEditor value={draft.aggregates} onChange={(aggregates) => set({ aggregates })} object={draft.object} objects={objects.data ?? []} t={t} l={l} />
        </Form.Item>
        <Form.Item label={t('特征：点选字段', 'Features: pick fields')} required>
          {obj ? (
            <Checkbox.Group value={draft.fieldFeatures} onChange={(v) => set({ fieldFeatures: v as string[] })} data-testid="model-fields">
              <Row>{featureFields.map((f) => <Col key={f.key} xs={12} md={6}><Checkbox value={f.key} data-field={f.key}>{l(f.label, f.key)}</Checkbox></Col>)}</Row>
            </Checkbox.Group>
          ) : <Typography.Text type="secondary">{t('先选择对象', 'Choose an object first')}</Typography.Text>}
        </Form.Item>
        <Form.Item label={t('特征：聚合与表达式（FEEL，可写理由，如「近90日投诉{value}次」）', 'Features: aggregates and expressions (FEEL, with a reason such as "{value} complaints in 90 days")')}>
          {draft.expressions.map((e, i) => (
            <Row gutter={8} key={i} style={{ marginBottom: 8 }} data-testid="model-expression">
              <Col xs={24} md={9}><FeelEditor value={e.expression} onChange={(v) => set({ expressions: draft.expressions.map((x, j) => (j === i ? { ...x, expression: v } : x)) })} fields={names} placeholder="complaints_90d" /></Col>
              <Col xs={12} md={5}><Input value={e.label} placeholder={t('中文名', 'Label')} onChange={(ev) => set({ expressions: draft.expressions.map((x, j) => (j === i ? { ...x, label: ev.target.value } : x)) })} /></Col>
              <Col xs={10} md={8}><Input value={e.reason} placeholder={t('理由，如 近90日投诉{value}次', 'Reason, e.g. {value} complaints')} onChange={(ev) => set({ expressions: draft.expressions.map((x, j) => (j === i ? { ...x, reason: ev.target.value } : x)) })} /></Col>
              <Col xs={2} md={2}><Button icon={<DeleteOutlined />} aria-label={t('删除', 'Remove')} onClick={() => set({ expressions: draft.expressions.filter((_, j) => j !== i) })} /></Col>
            </Row>
          ))}
          <Space wrap>
            <Button icon={<PlusOutlined />} onClick={() => set({ expressions: [...draft.expressions, { expression: '', label: '', reason: '' }] })} data-testid="model-add-expression">{t('添加表达式特征', 'Add an expression')}</Button>
            {draft.aggregates.filter((a) => a.key && !draft.expressions.some((e) => e.expression.trim() === a.key)).map((a) => (
              <Button key={a.key} size="small" onClick={() => set({ expressions: [...draft.expressions, { expression: a.key, label: typeof a.label === 'string' ? a.label : '', reason: '' }] })} data-agg-feature={a.key}>+ {typeof a.label === 'string' && a.label ? a.label : a.key}</Button>
            ))}
          </Space>
        </Form.Item>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item label={t('训练筛选（FEEL，可选：只在满足条件的记录上训练）', 'Train filter (FEEL, optional: train only on records where it holds)')}>
              <FeelEditor value={draft.trainFilter} onChange={(v) => set({ trainFilter: v })} fields={names} testId="model-filter" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item label={t('评分字段（小数字段，评分写入此处）', 'Score field (a decimal field the score is written to)')}>
              <Select allowClear value={draft.scoreField} onChange={(v: string | undefined) => set({ scoreField: v })} data-testid="model-score-field"
                options={scoreFields.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} placeholder={t('不写入评分', 'No score field')} />
            </Form.Item>
          </Col>
        </Row>
        <ErrorAlert error={save.error} />
        <Button type="primary" onClick={() => save.mutate()} loading={save.isPending} data-testid="model-save">{t('保存模型', 'Save the model')}</Button>
      </Form>
    </Card>
  );
  return (
    <div>
      <PageHeader title={isNew ? t('新建模型', 'New model') : m?.name ?? key}
        sub={m ? <span>{m.status === 'trained' ? <Tag color="green">{t(`已训练 · 第 ${m.version} 版`, `Trained · v${m.version}`)}</Tag> : <Tag>{t('草稿', 'Draft')}</Tag>}{m.trainedAt ? t(`训练于 ${dayjs(m.trainedAt).format('YYYY-MM-DD HH:mm')}`, `trained ${dayjs(m.trainedAt).format('YYYY-MM-DD HH:mm')}`) : null}</span> : t('选择对象、标签与特征', 'Choose the object, the label and the features')}
        extra={!isNew && (
          <Space wrap>
            <Button icon={<ExperimentOutlined />} onClick={() => train.mutate()} loading={train.isPending} disabled={!!trainJob} data-testid="model-train">{t('开始训练', 'Train')}</Button>
            <Button icon={<ThunderboltOutlined />} onClick={() => score.mutate()} loading={score.isPending} disabled={!!scoreJob || m?.status !== 'trained' || !m?.scoreField} data-testid="model-score">{t('全量评分', 'Score all records')}</Button>
          </Space>
        )} />
      <ErrorAlert error={train.error ?? score.error} />
      {trainJob && <JobProgress jobId={trainJob} title={t('训练进度', 'Training')} unit={t('步（先读取记录，再逐棵拟合树）', 'steps (records read, then trees fitted)')} onDone={() => { setTrainJob(null); setTab('metrics'); refresh(); }} testId="train-progress" />}
      {scoreJob && <JobProgress jobId={scoreJob} title={t('评分进度', 'Scoring')} unit={t('条记录已评分', 'records scored')} onDone={() => { setScoreJob(null); refresh(); }} testId="score-progress" />}
      {isNew ? design : (
        <Tabs activeKey={tab ?? (m?.status === 'trained' ? 'metrics' : 'design')} onChange={setTab} items={[
          { key: 'metrics', label: t('训练版本与指标', 'Versions & metrics'), children: versions.data?.length ? <Versions versions={versions.data} /> : <Card size="small"><Empty description={t('尚未训练：点击“开始训练”', 'Not trained yet: click "Train"')} /></Card> },
          { key: 'design', label: t('模型定义', 'Definition'), children: design },
        ]} />
      )}
    </div>
  );
}

function AggregatesEditor({ value, onChange, object, objects, t, l }: { value: ModelAggregate[]; onChange(v: ModelAggregate[]): void; object: string; objects: ObjectDefinition[]; t: T; l: (x: unknown, f?: string) => string }) {
  // Objects with a relation field pointing at the model's object, and those fields.
  const related = objects.map((o) => ({ o, via: o.fields.filter((f) => f.type === 'relation' && f.target === object) })).filter((x) => x.via.length);
  const put = (i: number, patch: Partial<ModelAggregate>) => onChange(value.map((a, j) => (j === i ? ({ ...a, ...patch } as ModelAggregate) : a)));
  return (
    <div data-testid="model-aggregates">
      {value.map((a, i) => {
        const rel = related.find((x) => x.o.key === a.object);
        const numeric = (rel?.o.fields ?? []).filter((f) => NUMERIC.has(f.type));
        const dates = (rel?.o.fields ?? []).filter((f) => f.type === 'date' || f.type === 'datetime');
        return (
          <Row gutter={8} key={i} style={{ marginBottom: 8 }} data-testid="model-aggregate">
            <Col xs={12} md={4}><Input value={a.key} placeholder={t('标识', 'Key')} onChange={(e) => put(i, { key: e.target.value })} /></Col>
            <Col xs={12} md={4}><Input value={typeof a.label === 'string' ? a.label : ''} placeholder={t('中文名', 'Label')} onChange={(e) => put(i, { label: e.target.value || undefined })} /></Col>
            <Col xs={12} md={4}>
              <Select style={{ width: '100%' }} value={a.object || undefined} placeholder={t('关联对象', 'Related object')}
                onChange={(v: string) => put(i, { object: v, via: related.find((x) => x.o.key === v)?.via[0]?.key ?? '', field: undefined, dateField: undefined })}
                options={related.map((x) => ({ value: x.o.key, label: l(x.o.label, x.o.key) }))} />
            </Col>
            <Col xs={12} md={3}>
              <Select style={{ width: '100%' }} value={a.agg} onChange={(v: ModelAggregate['agg']) => put(i, { agg: v, ...(v === 'count' ? { field: undefined } : {}) })}
                options={MODEL_AGGREGATE_FUNCTIONS.map((x) => ({ value: x, label: t(...AGG_LABELS[x]) }))} />
            </Col>
            <Col xs={12} md={3}>
              <Select style={{ width: '100%' }} allowClear disabled={a.agg === 'count'} value={a.field} placeholder={t('统计字段', 'Field')} onChange={(v: string | undefined) => put(i, { field: v })}
                options={numeric.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
            </Col>
            <Col xs={12} md={2}><InputNumber style={{ width: '100%' }} min={1} max={3660} value={a.withinDays} placeholder={t('近N天', 'Days')} onChange={(v) => put(i, { withinDays: v ?? undefined })} /></Col>
            <Col xs={10} md={3}>
              <Select style={{ width: '100%' }} allowClear disabled={!a.withinDays} value={a.dateField} placeholder={t('按创建时间', 'By creation')} onChange={(v: string | undefined) => put(i, { dateField: v })}
                options={dates.map((f) => ({ value: f.key, label: l(f.label, f.key) }))} />
            </Col>
            <Col xs={2} md={1}><Button icon={<DeleteOutlined />} aria-label={t('删除', 'Remove')} onClick={() => onChange(value.filter((_, j) => j !== i))} /></Col>
          </Row>
        );
      })}
      <Button icon={<PlusOutlined />} disabled={!related.length} onClick={() => onChange([...value, { key: '', object: related[0]?.o.key ?? '', via: related[0]?.via[0]?.key ?? '', agg: 'count' }])} data-testid="model-add-aggregate">
        {related.length ? t('添加聚合', 'Add an aggregate') : t('没有指向该对象的关联对象', 'No object relates to this one')}
      </Button>
    </div>
  );
}

/** A background job's progress bar; calls onDone once it has finished (done or failed: the error stays shown). */
function JobProgress({ jobId, title, unit, onDone, testId }: { jobId: string; title: string; unit: string; onDone: () => void; testId: string }) {
  const t = useT();
  const { job: j, percent } = useJob(jobId);
  const finished = j?.status === 'done';
  useEffect(() => {
    if (finished) onDone();
  }, [finished, onDone]);
  if (!j) return null;
  return (
    <Card size="small" style={{ marginBottom: 16 }} data-testid={testId} data-status={j.status}>
      <Typography.Text strong>{title}</Typography.Text>
      <Progress percent={percent} status={j.status === 'failed' ? 'exception' : j.status === 'done' ? 'success' : 'active'} />
      <Typography.Text type="secondary">{`${j.progress.done.toLocaleString('zh-CN')} / ${j.progress.total === null ? '?' : j.progress.total.toLocaleString('zh-CN')} ${unit}`}</Typography.Text>
      {j.error && <Alert type="error" showIcon style={{ marginTop: 8 }} title={j.error.message} />}
      {j.status === 'failed' && <div style={{ marginTop: 8 }}><Button size="small" onClick={onDone}>{t('关闭', 'Close')}</Button></div>}
    </Card>
  );
}

function Versions({ versions }: { versions: ModelVersion[] }) {
  const t = useT();
  const [picked, setPicked] = useState(versions[0]!.version);
  const v = versions.find((x) => x.version === picked) ?? versions[0]!;
  return (
    <div data-testid="model-versions">
      <Space style={{ marginBottom: 12 }} wrap>
        <span>{t('版本', 'Version')}</span>
        <Select style={{ minWidth: 260 }} value={v.version} onChange={setPicked} data-testid="model-version-pick"
          options={versions.map((x) => ({ value: x.version, label: t(`第 ${x.version} 版 · ${dayjs(x.trainedAt).format('YYYY-MM-DD HH:mm')} · AUC ${fmt(x.metrics.auc)}`, `v${x.version} · ${dayjs(x.trainedAt).format('YYYY-MM-DD HH:mm')} · AUC ${fmt(x.metrics.auc)}`) }))} />
      </Space>
      <Metrics metrics={v.metrics} trainedBy={v.trainedBy} />
    </div>
  );
}

function Metrics({ metrics: mt, trainedBy }: { metrics: ModelMetrics; trainedBy: string | null }) {
  const t = useT();
  const better = mt.auc !== null && mt.baselineAuc !== null && mt.auc >= mt.baselineAuc;
  const top = mt.featureImportance.slice(0, 15).reverse();
  return (
    <div>
      <Row gutter={12} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}><Card size="small" data-metric="auc"><Statistic title={t('留出集 AUC（梯度提升树）', 'Holdout AUC (boosted trees)')} value={fmt(mt.auc)} valueStyle={{ color: better ? '#389e0d' : '#cf1322' }} /></Card></Col>
        <Col xs={12} md={6}><Card size="small" data-metric="baseline"><Statistic title={t('基线 AUC（逻辑回归）', 'Baseline AUC (logistic)')} value={fmt(mt.baselineAuc)} /></Card></Col>
        <Col xs={12} md={6}><Card size="small" data-metric="logloss"><Statistic title={t('对数损失（基线）', 'Log loss (baseline)')} value={`${fmt(mt.logLoss)}（${fmt(mt.baselineLogLoss)}）`} /></Card></Col>
        <Col xs={12} md={6}><Card size="small" data-metric="lift"><Statistic title={t('提升度 前10% / 前20%', 'Lift top 10 % / 20 %')} value={`${fmt(mt.liftTop10, 2)} / ${fmt(mt.liftTop20, 2)}`} /></Card></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card size="small" title={t('特征重要性（平均 |TreeSHAP|）', 'Feature importance (mean |TreeSHAP|)')} style={{ marginBottom: 16 }} data-testid="model-importance">
            <ReactECharts style={{ height: Math.max(200, top.length * 26 + 40) }} option={{
              grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
              tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
              xAxis: { type: 'value' },
              yAxis: { type: 'category', data: top.map((f) => f.label) },
              series: [{ type: 'bar', data: top.map((f) => Number(f.importance.toFixed(4))), itemStyle: { color: '#1f5aa6' } }],
            }} />
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <Card size="small" title={t('训练数据', 'Training data')} style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={1} items={[
              { key: 'r', label: t('训练记录', 'Training rows'), children: mt.trainingRows.toLocaleString('zh-CN') },
              { key: 'h', label: t('留出记录', 'Holdout rows'), children: mt.holdoutRows.toLocaleString('zh-CN') },
              { key: 'u', label: t('结果未知（未训练，仍评分）', 'Outcome unknown (not trained, scored)'), children: mt.unlabelledRows.toLocaleString('zh-CN') },
              { key: 'p', label: t('正例比例', 'Positive rate'), children: `${(mt.positiveRate * 100).toFixed(1)}%` },
              { key: 't', label: t('训练耗时', 'Training time'), children: `${(mt.trainingMs / 1000).toFixed(1)} s` },
              { key: 'b', label: t('训练人', 'Trained by'), children: trainedBy ?? t('系统', 'System') },
            ]} />
          </Card>
          <Card size="small" title={t('校准表（留出集）', 'Calibration (holdout)')} data-testid="model-calibration">
            <Table size="small" rowKey="bin" pagination={false} dataSource={mt.calibration}
              columns={[
                { key: 'r', title: t('预测区间', 'Predicted range'), render: (_, b) => `${(b.from * 100).toFixed(0)}%–${(b.to * 100).toFixed(0)}%` },
                { key: 'n', title: t('记录数', 'Rows'), dataIndex: 'count' },
                { key: 'p', title: t('平均预测', 'Mean predicted'), render: (_, b) => `${(b.meanPredicted * 100).toFixed(1)}%` },
                { key: 'o', title: t('实际比例', 'Observed'), render: (_, b) => `${(b.observedRate * 100).toFixed(1)}%` },
              ]} />
          </Card>
        </Col>
      </Row>
    </div>
  );
}
