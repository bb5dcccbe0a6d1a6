import { useEffect, useMemo, useState } from 'react';
import { AutoComplete, Button, Divider, Empty, Form, Input, Select, Space, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { analyzeFeel } from '@crm/feel';
import { feelNamesOf } from '@crm/form-engine';
import { useObjects } from '../../lib/meta';
import { localize } from '@crm/shared';
import type Modeler from 'bpmn-js/lib/Modeler';
import { api } from '../../lib/api';
import { useLang, useT } from '../../lib/i18n';
import { crmAttributesFor } from './bpmn';
import { DurationPicker } from './DurationPicker';

 
type El = any;

const PROP_LABELS: Record<string, [string, string, string?, string?]> = {
  assignee: ['处理人', 'Assignee', '用户名，或以 = 开头的 FEEL，如 =initiator', 'A username, or FEEL after "=", e.g. =initiator'],
  candidateGroups: ['候选角色', 'Candidate roles', '这些角色的成员都可以认领', 'Members of these roles may claim the task'],
  candidateOrgUnits: ['候选机构', 'Candidate org units'],
  formKey: ['办理表单', 'Task form', '办理任务时填写的已发布表单', 'The published form filled in to complete the task'],
  dueDate: ['到期时间', 'Due date', 'ISO 期间（如 P3D、PT4H）或 FEEL', 'ISO duration (P3D, PT4H) or FEEL'],
  excludeUsers: ['回避人员（四眼原则）', 'Excluded users (four eyes)', '如 =initiator，发起人不能审批自己的申请', 'e.g. =initiator: nobody approves their own request'],
  type: ['服务类型', 'Service type', '连接器类型，如 http、webhook、core-banking', 'Connector type: http, webhook, core-banking…'],
  resultVariable: ['结果变量', 'Result variable'],
  decisionRef: ['决策表', 'Decision'],
  correlationKey: ['关联键（FEEL）', 'Correlation key (FEEL)'],
  collection: ['集合（FEEL）', 'Collection (FEEL)'],
  elementVariable: ['元素变量', 'Element variable'],
  outputCollection: ['输出集合', 'Output collection'],
  outputElement: ['输出元素（FEEL）', 'Output element (FEEL)'],
  calledElement: ['被调用流程', 'Called process'],
  outputs: ['办理人可提交的变量', 'Variables the completer may set', '逗号分隔，如 decision,comment；其余变量一律拒绝', 'Comma separated, e.g. decision,comment; any other variable is refused'],
  inputs: ['请求可提交的变量', 'Variables a request may set', '逗号分隔；记录 id 写作 customerId:customer（须为发起人可读的记录）', 'Comma separated; a record id as customerId:customer (a record the caller may read)'],
  runAs: ['以技术角色执行', 'Run as technical role', 'workflow_ 开头的角色；记录须为触发人可读', 'A workflow_ role; the record must be readable by the triggering user'],
};

const LIST_PROPS = new Set(['candidateGroups', 'candidateOrgUnits', 'excludeUsers']);

const TYPE_LABELS: Record<string, [string, string]> = {
  'bpmn:UserTask': ['人工任务', 'User task'], 'bpmn:ServiceTask': ['服务任务', 'Service task'], 'bpmn:ScriptTask': ['脚本任务', 'Script task'],
  'bpmn:BusinessRuleTask': ['规则任务', 'Business rule task'], 'bpmn:SendTask': ['发送任务', 'Send task'], 'bpmn:ReceiveTask': ['接收任务', 'Receive task'],
  'bpmn:StartEvent': ['开始事件', 'Start event'], 'bpmn:EndEvent': ['结束事件', 'End event'], 'bpmn:ExclusiveGateway': ['排他网关', 'Exclusive gateway'],
  'bpmn:ParallelGateway': ['并行网关', 'Parallel gateway'], 'bpmn:InclusiveGateway': ['包容网关', 'Inclusive gateway'], 'bpmn:SequenceFlow': ['连线', 'Sequence flow'],
  'bpmn:Process': ['流程', 'Process'], 'bpmn:IntermediateCatchEvent': ['中间捕获事件', 'Intermediate catch event'], 'bpmn:BoundaryEvent': ['边界事件', 'Boundary event'],
  'bpmn:CallActivity': ['调用活动', 'Call activity'], 'bpmn:SubProcess': ['子流程', 'Sub-process'], 'bpmn:Task': ['任务', 'Task'],
};

/** The semantic check of a process expression: syntax (in Chinese), full-width operators, a field's label used as a name, types. */
function FeelHint({ value }: { value: string }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const objects = useObjects();
  const expr = value.trim().startsWith('=') ? value.trim().slice(1) : null;
  const issues = useMemo(() => (expr ? analyzeFeel(expr, { names: feelNamesOf((objects.data ?? []).flatMap((o) => o.fields) as never[]), allowUnknown: true }) : []), [expr, objects.data]);
  if (!expr) return null;
  return issues.length
    ? <div className="fr-error" data-testid="feel-hint-error">{issues.map((i) => i.message[lang === 'en' ? 'en' : 'zh-CN']).join('；')}</div>
    : <div className="fr-help">{t('表达式正确', 'Expression OK')}</div>;
}

export function CrmPropertiesPanel({ modeler, element, version }: { modeler: Modeler | null; element: El | null; version: number }) {
  const t = useT();
  const lang = useLang((s) => s.lang);
  const forms = useQuery({ queryKey: ['meta', 'forms'], queryFn: () => api.meta.listForms() });
  // The read-only directory: designers pick people without the user-administration right.
  const users = useQuery({ queryKey: ['directory', 'users'], queryFn: () => api.admin.directory({ limit: 200 }) });
  const roles = useQuery({ queryKey: ['admin', 'roles'], queryFn: () => api.admin.listRoles() });
  const orgs = useQuery({ queryKey: ['admin', 'org-units'], queryFn: () => api.admin.listOrgUnits() });
  const [, force] = useState(0);
  useEffect(() => force((n) => n + 1), [version]);

  if (!modeler || !element) return <Empty description={t('选中图上的元素以编辑属性', 'Select an element to edit it')} image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  const modeling: El = modeler.get('modeling');
  const moddle: El = modeler.get('moddle');
  const bo: El = element.businessObject;
  const is = (type: string) => !!bo?.$instanceOf?.(type);
  const attrs = crmAttributesFor(is);
  const update = (props: Record<string, unknown>) => modeling.updateProperties(element, props);
  const typeLabel = TYPE_LABELS[bo.$type] ? t(...TYPE_LABELS[bo.$type]!) : bo.$type;

  const publishedForms = (forms.data ?? []).filter((f) => f.latestVersion > 0);
  const userOptions = (users.data ?? []).map((u) => ({ value: u.username, label: u.displayName ? `${u.displayName}（${u.username}）` : u.username }));
  const roleOptions = (roles.data ?? []).map((r) => ({ value: r.key, label: `${r.name}（${r.key}）` }));
  const orgOptions = (orgs.data ?? []).map((o) => ({ value: o.id, label: o.name }));

  const renderAttr = (name: string) => {
    const key = `crm:${name}`;
    const raw = (bo.get(key) as string | undefined) ?? '';
    const label = PROP_LABELS[name] ?? [name, name];
    const help = label[2] ? t(label[2], label[3] ?? label[2]) : undefined;
    const set = (v: string | undefined) => update({ [key]: v === '' ? undefined : v });
    let input: React.ReactNode;
    if (name === 'formKey') {
      input = (
        <Select allowClear showSearch value={raw || undefined} onChange={(v) => set(v)}
          placeholder={t('选择已发布的表单', 'Choose a published form')} notFoundContent={forms.error ? (forms.error as Error).message : t('没有已发布的表单', 'No published form')}
          options={publishedForms.map((f) => ({ value: f.key, label: `${localize(f.title, lang)}（${f.key} v${f.latestVersion}）` }))} />
      );
    } else if (name === 'assignee') {
      input = <AutoComplete value={raw} onChange={(v) => set(v)} options={[...userOptions, { value: '=initiator', label: t('=initiator（发起人）', '=initiator (the starter)') }]} placeholder="rm" filterOption={(i, o) => String(o?.value ?? '').includes(i) || String(o?.label ?? '').includes(i)} />;
    } else if (name === 'dueDate') {
      input = <Space direction="vertical" style={{ width: '100%' }} size={4}><DurationPicker value={raw} onChange={set} testId="due-duration" /><Input value={raw} onChange={(e) => set(e.target.value)} style={{ fontFamily: 'monospace' }} /></Space>;
    } else if (LIST_PROPS.has(name)) {
      const opts = name === 'candidateGroups' ? roleOptions : name === 'candidateOrgUnits' ? orgOptions : userOptions;
      input = <Select mode="tags" value={raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : []} onChange={(v: string[]) => set(v.join(','))} options={opts} tokenSeparators={[',']} />;
    } else {
      input = <Input value={raw} onChange={(e) => set(e.target.value)} style={/Key|collection|correlation|outputElement/.test(name) ? { fontFamily: 'monospace' } : undefined} />;
    }
    return (
      <Form.Item key={name} label={t(label[0], label[1])} help={help} style={{ marginBottom: 14 }}>
        <div data-testid={`prop-${name}`}>{input}</div>
        <FeelHint value={raw} />
      </Form.Item>
    );
  };

  const isFlow = is('bpmn:SequenceFlow');
  const fromGateway = isFlow && /Gateway/.test(bo.sourceRef?.$type ?? '');
  const condition: string = bo.conditionExpression?.body ?? '';
  const timer = (bo.eventDefinitions ?? []).find((d: El) => d.$type === 'bpmn:TimerEventDefinition');
  const message = (bo.eventDefinitions ?? []).find((d: El) => d.$type === 'bpmn:MessageEventDefinition');
  const ioMapping = (bo.extensionElements?.values ?? []).find((v: El) => v.$instanceOf?.('crm:IoMapping'));
  const supportsIo = is('bpmn:ServiceTask') || is('bpmn:SendTask') || is('bpmn:CallActivity') || is('bpmn:BusinessRuleTask');

  const setMapping = (kind: 'inputParameters' | 'outputParameters', rows: { source: string; target: string }[]) => {
    const ins = kind === 'inputParameters' ? rows : (ioMapping?.inputParameters ?? []).map((p: El) => ({ source: p.source, target: p.target }));
    const outs = kind === 'outputParameters' ? rows : (ioMapping?.outputParameters ?? []).map((p: El) => ({ source: p.source, target: p.target }));
    const io = moddle.create('crm:IoMapping', {
      inputParameters: ins.map((r: { source: string; target: string }) => moddle.create('crm:Input', r)),
      outputParameters: outs.map((r: { source: string; target: string }) => moddle.create('crm:Output', r)),
    });
    const others = (bo.extensionElements?.values ?? []).filter((v: El) => !v.$instanceOf?.('crm:IoMapping'));
    const ext = moddle.create('bpmn:ExtensionElements', { values: [...others, io] });
    update({ extensionElements: ext });
  };

  return (
    <Form layout="vertical" size="small" data-testid="bpmn-props">
      <Typography.Title level={5} style={{ marginTop: 0 }}>{typeLabel}</Typography.Title>
      <Form.Item label="ID" style={{ marginBottom: 10 }}>
        <Input value={bo.id} onChange={(e) => e.target.value && update({ id: e.target.value })} />
      </Form.Item>
      <Form.Item label={t('名称', 'Name')} style={{ marginBottom: 10 }}>
        <Input value={bo.name ?? ''} onChange={(e) => update({ name: e.target.value || undefined })} data-testid="prop-name" />
      </Form.Item>
      {attrs.length > 0 && <Divider titlePlacement="start" plain style={{ margin: '8px 0' }}>{t('平台属性', 'Platform attributes')} <Tag>crm</Tag></Divider>}
      {attrs.map((a) => renderAttr(a.name))}
      {isFlow && (
        <Form.Item label={t('流转条件（FEEL）', 'Condition (FEEL)')} help={fromGateway ? t('为空表示默认不设条件', 'Empty: no condition') : t('通常在网关的出口设置条件', 'Usually set on a gateway\'s outgoing flows')}>
          <Input value={condition} style={{ fontFamily: 'monospace' }} placeholder={'amount > 100000'} data-testid="prop-condition"
            onChange={(e) => update({ conditionExpression: e.target.value ? moddle.create('bpmn:FormalExpression', { body: e.target.value }) : undefined })} />
          <FeelHint value={condition ? `=${condition.replace(/^=/, '')}` : ''} />
        </Form.Item>
      )}
      {timer && (
        <Form.Item label={t('定时（ISO 8601）', 'Timer (ISO 8601)')} help={t('期间如 PT1H、P3D；或日期时间', 'A duration like PT1H, P3D; or a date-time')}>
          {!timer.timeDate && !timer.timeCycle && (
            <div style={{ marginBottom: 4 }}><DurationPicker value={timer.timeDuration?.body ?? ''} testId="timer-duration"
              onChange={(v) => modeler.get<El>('modeling').updateModdleProperties(element, timer, { timeDuration: v ? moddle.create('bpmn:FormalExpression', { body: v }) : undefined })} /></div>
          )}
          <Input
            value={(timer.timeDuration ?? timer.timeDate ?? timer.timeCycle)?.body ?? ''}
            onChange={(e) => {
              const field = timer.timeDate ? 'timeDate' : timer.timeCycle ? 'timeCycle' : 'timeDuration';
              modeler.get<El>('modeling').updateModdleProperties(element, timer, { [field]: moddle.create('bpmn:FormalExpression', { body: e.target.value }) });
            }}
          />
        </Form.Item>
      )}
      {message && (
        <Form.Item label={t('消息名称', 'Message name')}>
          <Input
            value={message.messageRef?.name ?? ''}
            onChange={(e) => {
              let msg = message.messageRef;
              if (!msg) {
                const defs = modeler.getDefinitions() as El;
                msg = moddle.create('bpmn:Message', { id: `Message_${Math.random().toString(36).slice(2, 8)}`, name: e.target.value });
                defs.rootElements.push(msg);
                modeler.get<El>('modeling').updateModdleProperties(element, message, { messageRef: msg });
              } else modeler.get<El>('modeling').updateModdleProperties(element, msg, { name: e.target.value });
            }}
          />
        </Form.Item>
      )}
      {supportsIo && (
        <>
          <Divider titlePlacement="start" plain style={{ margin: '8px 0' }}>{t('输入 / 输出映射（FEEL）', 'Input / output mapping (FEEL)')}</Divider>
          {(['inputParameters', 'outputParameters'] as const).map((kind) => {
            const rows: { source: string; target: string }[] = (ioMapping?.[kind] ?? []).map((p: El) => ({ source: p.source ?? '', target: p.target ?? '' }));
            return (
              <div key={kind} style={{ marginBottom: 8 }}>
                <div style={{ fontSize: 12, color: '#666', marginBottom: 4 }}>{kind === 'inputParameters' ? t('输入', 'Inputs') : t('输出', 'Outputs')}</div>
                {rows.map((r, i) => (
                  <Space.Compact key={i} style={{ width: '100%', marginBottom: 4 }}>
                    <Input placeholder={t('来源（FEEL）', 'source (FEEL)')} value={r.source} style={{ fontFamily: 'monospace' }} onChange={(e) => setMapping(kind, rows.map((x, j) => (j === i ? { ...x, source: e.target.value } : x)))} />
                    <Input placeholder={t('目标变量', 'target')} value={r.target} onChange={(e) => setMapping(kind, rows.map((x, j) => (j === i ? { ...x, target: e.target.value } : x)))} />
                    <Button icon={<DeleteOutlined />} onClick={() => setMapping(kind, rows.filter((_, j) => j !== i))} />
                  </Space.Compact>
                ))}
                <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => setMapping(kind, [...rows, { source: '', target: '' }])}>{t('添加', 'Add')}</Button>
              </div>
            );
          })}
        </>
      )}
    </Form>
  );
}

export interface Problem { id: string; message: string; level: 'error' | 'warning' }

/** Checks the model before deployment: structure, platform attributes and every FEEL expression. */
export function validateModel(modeler: Modeler, t: (zh: string, en: string) => string): Problem[] {
  const registry: El = modeler.get('elementRegistry');
  const problems: Problem[] = [];
  const all: El[] = registry.getAll().filter((e: El) => e.businessObject && e.type !== 'label');
  const bos = all.map((e) => e.businessObject);
  if (!bos.some((b) => b.$type === 'bpmn:StartEvent')) problems.push({ id: '', level: 'error', message: t('缺少开始事件', 'No start event') });
  if (!bos.some((b) => b.$type === 'bpmn:EndEvent')) problems.push({ id: '', level: 'warning', message: t('没有结束事件', 'No end event') });
  const feel = (id: string, what: string, v: string | undefined) => {
    if (!v) return;
    const expr = v.trim().startsWith('=') ? v.trim().slice(1) : null;
    if (expr === null) return;
    const err = analyzeFeel(expr, { names: [], allowUnknown: true })[0];
    if (err) problems.push({ id, level: 'error', message: `${what}：${err.message['zh-CN']}` });
  };
  for (const e of all) {
    const b = e.businessObject;
    const name = b.name || b.id;
    if (/Task$|CallActivity|SubProcess|Gateway$|Event$/.test(b.$type) && b.$type !== 'bpmn:StartEvent' && b.$type !== 'bpmn:BoundaryEvent' && !(b.incoming?.length)) {
      if (!(b.$parent?.triggeredByEvent)) problems.push({ id: b.id, level: 'warning', message: `${name}：${t('没有进入的连线', 'nothing flows into it')}` });
    }
    if (/Task$|CallActivity|SubProcess|Gateway$|StartEvent|IntermediateCatchEvent|BoundaryEvent/.test(b.$type) && !(b.outgoing?.length)) {
      problems.push({ id: b.id, level: 'warning', message: `${name}：${t('没有流出的连线', 'nothing flows out of it')}` });
    }
    if (b.$type === 'bpmn:UserTask') {
      if (!b.get('crm:assignee') && !b.get('crm:candidateGroups') && !b.get('crm:candidateOrgUnits')) {
        problems.push({ id: b.id, level: 'warning', message: `${name}：${t('未设置处理人或候选角色', 'no assignee or candidates')}` });
      }
      for (const p of ['assignee', 'candidateGroups', 'dueDate', 'excludeUsers']) feel(b.id, `${name} ${p}`, b.get(`crm:${p}`));
    }
    if (b.$type === 'bpmn:ServiceTask' && !b.get('crm:type')) problems.push({ id: b.id, level: 'error', message: `${name}：${t('服务任务需要设置服务类型', 'a service task needs a type')}` });
    if (b.$type === 'bpmn:SequenceFlow' && b.conditionExpression?.body) {
      const body = String(b.conditionExpression.body).replace(/^=/, '');
      const err = analyzeFeel(body, { names: [], allowUnknown: true })[0];
      if (err) problems.push({ id: b.id, level: 'error', message: `${name}：${t('条件表达式有误', 'bad condition')} ${t(err.message['zh-CN'], err.message.en)}` });
    }
    if (b.$type === 'bpmn:ExclusiveGateway' && (b.outgoing?.length ?? 0) > 1) {
      const unconditioned = b.outgoing.filter((f: El) => !f.conditionExpression && b.default !== f);
      if (unconditioned.length > 0) problems.push({ id: b.id, level: 'warning', message: `${name}：${t('有出口连线没有条件', 'an outgoing flow has no condition')}` });
    }
  }
  return problems;
}
