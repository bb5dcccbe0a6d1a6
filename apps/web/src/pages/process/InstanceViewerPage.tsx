import { useEffect, useRef, useState } from 'react';
import { App, Button, Card, Descriptions, Popconfirm, Select, Table, Tag, Timeline, Typography } from 'antd';
import { StopOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useParams, useSearchParams } from 'react-router';
import dayjs from 'dayjs';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { type ProcessInstance, type ProcessInstanceSummary } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useHasRight } from '../../lib/rights';
import { useL, useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';
import { STATE_TAGS } from '../records/RecordDetailPage';
import { crmModdle, drawable } from './bpmn';
import { translateModule } from './bpmn-translate';

 

const ACTIVITY_TYPES: Record<string, [string, string]> = {
  startEvent: ['开始', 'start'], endEvent: ['结束', 'end'], userTask: ['人工任务', 'user task'], serviceTask: ['服务任务', 'service task'],
  scriptTask: ['脚本任务', 'script task'], businessRuleTask: ['规则任务', 'business rule'], sendTask: ['发送任务', 'send task'], receiveTask: ['接收任务', 'receive task'],
  exclusiveGateway: ['排他网关', 'exclusive gateway'], parallelGateway: ['并行网关', 'parallel gateway'], inclusiveGateway: ['包容网关', 'inclusive gateway'],
  eventBasedGateway: ['事件网关', 'event gateway'], intermediateCatchEvent: ['中间事件', 'catch event'], intermediateThrowEvent: ['中间事件', 'throw event'],
  boundaryEvent: ['边界事件', 'boundary event'], subProcess: ['子流程', 'sub-process'], callActivity: ['调用活动', 'call activity'],
};

export function InstanceListPage() {
  const t = useT();
  const [params, setParams] = useSearchParams();
  const definitionKey = params.get('definitionKey') ?? undefined;
  const state = (params.get('state') ?? undefined) as ProcessInstance['state'] | undefined;
  const q = useQuery({ queryKey: ['instances', definitionKey, state], queryFn: () => api.instances.list({ definitionKey, state }) });
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const rows = (q.data ?? []);
  const set = (k: string, v?: string) => { const p = new URLSearchParams(params); if (v) p.set(k, v); else p.delete(k); setParams(p); };
  return (
    <div>
      <PageHeader title={t('流程实例', 'Process instances')} sub={t('所有发起的流程及其当前进度', 'Every started process and where it stands')}
        extra={
          <>
            <Select allowClear placeholder={t('流程', 'Process')} style={{ width: 200 }} value={definitionKey} onChange={(v) => set('definitionKey', v)} options={(defs.data ?? []).map((d) => ({ value: d.key, label: d.name || d.key }))} />
            <Select allowClear placeholder={t('状态', 'State')} style={{ width: 140 }} value={state} onChange={(v) => set('state', v)} options={Object.entries(STATE_TAGS).map(([k, v]) => ({ value: k, label: t(...v.label) }))} />
          </>
        } />
      <ErrorAlert error={q.error} />
      <Card>
        <Table<ProcessInstanceSummary>
          rowKey="id"
          loading={q.isLoading}
          dataSource={rows}
          locale={{ emptyText: t('没有流程实例', 'No instances') }}
          columns={[
            { title: t('实例', 'Instance'), render: (_, i) => <Link to={`/instances/${i.id}`}><code>{i.id.slice(0, 8)}</code></Link> },
            { title: t('流程', 'Process'), render: (_, i) => `${String((defs.data ?? []).find((d) => d.key === i.definitionKey)?.name ?? i.definitionKey ?? '')}${i.definitionVersion ? ` v${i.definitionVersion}` : ''}` },
            { title: t('业务主键', 'Business key'), dataIndex: 'businessKey' },
            { title: t('状态', 'State'), render: (_, i) => <Tag color={STATE_TAGS[i.state]?.color}>{t(...(STATE_TAGS[i.state]?.label ?? [i.state, i.state]))}</Tag> },
            { title: t('发起时间', 'Started'), render: (_, i) => (i.startedAt ? dayjs(i.startedAt).format('YYYY-MM-DD HH:mm') : '') },
          ]}
        />
      </Card>
    </div>
  );
}

export function InstanceViewerPage() {
  const { id = '' } = useParams();
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  // The server lets process administrators and the one who started the instance terminate it.
  const processAdmin = useHasRight('process.admin');
  const me = useAuth((s) => s.user);
  const inst = useQuery({
    queryKey: ['instance', id],
    queryFn: () => api.instances.get(id),
    refetchInterval: (q) => (q.state.data?.state === 'active' ? 5000 : false),
  });
  const defKey = inst.data?.definitionKey;
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  const procName = defs.data?.find((d) => d.key === defKey)?.name;
  const xml = useQuery({ queryKey: ['process-xml', defKey], queryFn: () => api.processes.xml(defKey!), enabled: !!defKey });
  const cancel = useMutation({
    mutationFn: () => api.instances.cancel(id),
    onSuccess: (r) => { qc.setQueryData(['instance', id], r); message.success(t('流程已终止', 'Process terminated')); },
    onError: (e) => message.error((e as Error).message),
  });
  const [names, setNames] = useState<Record<string, string>>({});

  if (inst.isLoading) return <Loading />;
  if (inst.error) return <ErrorAlert error={inst.error} />;
  const i = inst.data!;
  const st = STATE_TAGS[i.state];
  return (
    <div>
      <PageHeader
        title={<span>{String(procName ?? i.definitionKey ?? t('流程实例', 'Process instance'))} <Tag color={st?.color} data-testid="instance-state" data-state={i.state}>{t(...(st?.label ?? [i.state, i.state]))}</Tag></span>}
        sub={<span title={i.id}>{t('实例编号', 'Instance')} <code>{shortId(i.id)}</code>{i.businessKey ? <> · {t('业务主键', 'Business key')} {shortId(i.businessKey)}</> : null}</span>}
        extra={i.state === 'active' && (processAdmin || (!!i.initiator && (i.initiator === me?.username || i.initiator === me?.id))) ? (
          <Popconfirm title={t('确定终止这个流程？', 'Terminate this process?')} onConfirm={() => cancel.mutate()}>
            <Button danger icon={<StopOutlined />} loading={cancel.isPending}>{t('终止流程', 'Terminate')}</Button>
          </Popconfirm>
        ) : null}
      />
      <ErrorAlert error={xml.error} />
      <div style={{ display: 'flex', gap: 12 }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          {xml.data ? <InstanceDiagram xml={xml.data} instance={i} onNames={setNames} /> : <div className="bpmn-wrap" style={{ height: 'calc(100vh - 260px)' }} />}
          <div style={{ marginTop: 8, fontSize: 12, color: '#666' }}>
            <Tag color="green">{t('已完成的环节', 'Finished steps')}</Tag><Tag color="orange">{t('当前环节', 'Active steps')}</Tag>
          </div>
        </div>
        <Card size="small" title={t('流转历史', 'History')} style={{ width: 360, flex: 'none' }} data-testid="instance-history">
          <Timeline
            items={(i.history ?? []).map((h) => ({
              color: h.endedAt ? 'green' : 'orange',
              content: (
                <div>
                  <b>{names[h.activityId] ?? h.activityId}</b> <Typography.Text type="secondary" style={{ fontSize: 11 }}>{ACTIVITY_TYPES[h.type] ? t(...ACTIVITY_TYPES[h.type]!) : h.type}</Typography.Text>
                  <div style={{ fontSize: 12, color: '#666' }}>
                    {dayjs(h.startedAt).format('MM-DD HH:mm:ss')}{h.endedAt ? ` → ${dayjs(h.endedAt).format('MM-DD HH:mm:ss')}` : ` · ${t('进行中', 'in progress')}`}
                    {h.by ? ` · ${h.by}` : ''}
                  </div>
                </div>
              ),
            }))}
          />
          <Descriptions size="small" column={1} title={<span style={{ fontSize: 13 }}>{t('流程变量', 'Variables')}</span>}
            items={Object.entries(i.variables ?? {}).slice(0, 40).map(([k, v]) => ({ key: k, label: l(i.variableLabels?.[k], k), children: <span style={{ wordBreak: 'break-all' }}>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</span> }))} />
        </Card>
      </div>
    </div>
  );
}

/** The diagram with finished steps in green and active ones in orange. */
function InstanceDiagram({ xml, instance, onNames }: { xml: string; instance: ProcessInstance; onNames(n: Record<string, string>): void }) {
  const host = useRef<HTMLDivElement>(null);
  const viewer = useRef<NavigatedViewer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    viewer.current = new NavigatedViewer({ container: host.current!, moddleExtensions: { crm: crmModdle }, additionalModules: [translateModule] } as any);
    return () => viewer.current?.destroy();
  }, []);
  useEffect(() => {
    const v = viewer.current;
    if (!v) return;
    let cancelled = false;
    drawable(xml).then((x) => v.importXML(x)).then(() => {
      if (cancelled) return;
      const canvas: any = v.get('canvas');
      const registry: any = v.get('elementRegistry');
      canvas.zoom('fit-viewport', 'auto');
      const n: Record<string, string> = {};
      for (const el of registry.getAll()) if (el.businessObject?.name) n[el.id] = el.businessObject.name;
      onNames(n);
      const active = new Set(instance.activeActivities ?? []);
      for (const h of instance.history ?? []) {
        if (registry.get(h.activityId) && !active.has(h.activityId) && h.endedAt) canvas.addMarker(h.activityId, 'marker-done');
      }
      for (const a of active) if (registry.get(a)) canvas.addMarker(a, 'marker-active');
    }, (e: Error) => setError(e.message));
    return () => { cancelled = true; };
  }, [xml, instance, onNames]);
  return (
    <>
      {error && <ErrorAlert error={new Error(error)} />}
      <div className="bpmn-wrap" ref={host} style={{ height: 'calc(100vh - 260px)' }} data-testid="instance-diagram" />
    </>
  );
}

/** An id as people read it: a UUID by its first eight characters (the whole one in the tooltip); anything else as it is. */
function shortId(id: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id.slice(0, 8) : id;
}
