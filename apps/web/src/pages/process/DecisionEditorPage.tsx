/**
 * The decision-table editor: a DMN 1.3 decision table drawn with dmn-js (Chinese where dmn-js
 * translates), deployed as a new version, and a test panel that evaluates the deployed version with
 * values typed for each input of the table.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, Col, Form, Input, Row, Space, Tag, Typography } from 'antd';
import { CloudUploadOutlined, PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from 'react-router';
import DmnModeler from 'dmn-js/lib/Modeler';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import { api } from '../../lib/api';
import { useLang, useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { dmnChinese } from './dmn-zh';

/** A first table for a new decision: amount → risk level, two rules. */
function newDecisionXml(id: string, name: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="${id}_defs" name="${name}" namespace="urn:bank-crm:dmn">
  <decision id="${id}" name="${name}">
    <decisionTable id="${id}_table" hitPolicy="FIRST">
      <input id="${id}_in1" label="金额"><inputExpression id="${id}_ie1" typeRef="number"><text>amount</text></inputExpression></input>
      <output id="${id}_out1" label="风险等级" name="level" typeRef="string"/>
      <rule id="${id}_r1"><inputEntry id="${id}_r1i"><text>&gt;= 1000000</text></inputEntry><outputEntry id="${id}_r1o"><text>"高"</text></outputEntry></rule>
      <rule id="${id}_r2"><inputEntry id="${id}_r2i"><text>-</text></inputEntry><outputEntry id="${id}_r2o"><text>"低"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`;
}

interface TableInput {
  name: string;
  label: string;
  typeRef: string;
}

/** The inputs of the first decision table: the variables a test evaluation asks for (plain names only). */
function inputsOf(modeler: DmnModeler): TableInput[] {
  const defs = modeler.getDefinitions();
  const decision = (defs?.drgElement ?? []).find((e: any) => e.$type === 'dmn:Decision' && e.decisionLogic?.$type === 'dmn:DecisionTable');
  const out: TableInput[] = [];
  for (const i of decision?.decisionLogic?.input ?? []) {
    const text = String(i.inputExpression?.text ?? '').trim();
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text) && !out.some((x) => x.name === text)) out.push({ name: text, label: i.label || text, typeRef: i.inputExpression?.typeRef ?? 'string' });
  }
  return out;
}

/** A typed test value as the table's input type wants it (numbers as JSON numbers, booleans as true/false). */
function valueOf(raw: string, typeRef: string): unknown {
  const v = raw.trim();
  if (v === '') return null;
  if (['number', 'integer', 'long', 'double'].includes(typeRef) && /^-?\d+(\.\d+)?$/.test(v)) return JSON.parse(v) as number;
  if (typeRef === 'boolean') return v === 'true' || v === '是' ? true : v === 'false' || v === '否' ? false : v;
  return v;
}

export function DecisionEditorPage() {
  const { key } = useParams();
  const t = useT();
  const lang = useLang((s) => s.lang);
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const host = useRef<HTMLDivElement>(null);
  const [modeler, setModeler] = useState<DmnModeler | null>(null);
  const [importError, setImportError] = useState<string | null>(null);
  const [inputs, setInputs] = useState<TableInput[]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [dirty, setDirty] = useState(false);
  const [deployedKey, setDeployedKey] = useState<string | null>(key ?? null);

  const current = useQuery({ queryKey: ['decision', key], queryFn: () => api.decisions.get(key!), enabled: !!key, retry: false });

  useEffect(() => {
    // Each view takes its own modules (dmn-js does not merge a common list into them).
    const modules = { additionalModules: lang === 'en' ? [] : [dmnChinese] };
    const m = new DmnModeler({ container: host.current!, drd: modules, decisionTable: modules, literalExpression: modules, boxedExpression: modules });
    setModeler(m);
    return () => m.destroy();
  }, [lang]);

  // A new table's XML is made once (its ids must not change with every render).
  const [blank] = useState(() => newDecisionXml(`decision_${Date.now().toString(36)}`, t('新决策表', 'New decision table')));
  const xml = key ? current.data?.xml : blank;
  /** The listener on the open table's edits (one at a time: a re-import replaces it). */
  const listening = useRef<{ bus: any; fn: () => void } | null>(null);
  const failed = t('无法打开该决策表：', 'Cannot open this decision table: ');

  useEffect(() => {
    if (!modeler || !xml) return;
    let cancelled = false;
    void (async () => {
      try {
        setImportError(null);
        listening.current?.bus.off('elements.changed', listening.current.fn);
        listening.current = null;
        await modeler.importXML(xml);
        if (cancelled) return;
        const table = modeler.getViews().find((v) => v.type === 'decisionTable');
        if (table) await modeler.open(table);
        if (cancelled) return;
        setInputs(inputsOf(modeler));
        setDirty(!key);
        // Edits of the table: the test panel follows its inputs; a deploy is due.
        const bus = modeler.getActiveViewer()?.get('eventBus');
        const fn = () => {
          setInputs(inputsOf(modeler));
          setDirty(true);
        };
        bus?.on('elements.changed', fn);
        listening.current = bus ? { bus, fn } : null;
      } catch (e) {
        setImportError(failed + (e as Error).message);
      }
    })();
    return () => {
      cancelled = true;
    };
    // `failed` follows the language, which also recreates the modeler.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modeler, xml, key]);

  const deploy = useMutation({
    mutationFn: async () => api.decisions.deploy((await modeler!.saveXML({ format: true })).xml),
    onSuccess: (d) => {
      message.success(t(`已部署 ${d.key} 第 ${d.version} 版`, `Deployed ${d.key} version ${d.version}`));
      setDirty(false);
      setDeployedKey(d.key);
      void qc.invalidateQueries({ queryKey: ['decision-definitions'] });
      void qc.invalidateQueries({ queryKey: ['decision', d.key] });
      if (d.key !== key) nav(`/design/decisions/${encodeURIComponent(d.key)}`, { replace: true });
    },
  });
  const evaluate = useMutation({
    mutationFn: () => api.decisions.evaluate(deployedKey!, Object.fromEntries(inputs.map((i) => [i.name, valueOf(values[i.name] ?? '', i.typeRef)]))),
  });

  const title = current.data ? current.data.name || current.data.key : t('新建决策表', 'New decision table');
  return (
    <div>
      <PageHeader
        title={<Space>{title}{current.data && <Tag color="blue">v{current.data.version}</Tag>}{dirty && <Tag color="orange">{t('未部署的修改', 'Undeployed changes')}</Tag>}</Space>}
        sub={t('每一行是一条规则：条件列全部满足时给出结果列的值。部署后，流程的业务规则任务使用最新版本。', 'Each row is a rule: when every input cell matches, the output cells apply. Processes use the latest deployed version.')}
        extra={<Button type="primary" icon={<CloudUploadOutlined />} loading={deploy.isPending} onClick={() => deploy.mutate()} disabled={!modeler} data-testid="deploy-decision">{t('部署', 'Deploy')}</Button>}
      />
      <ErrorAlert error={current.error ?? deploy.error} />
      {importError && <Alert type="error" showIcon message={importError} style={{ marginBottom: 12 }} />}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={17}>
          <Card styles={{ body: { padding: 0 } }}>
            <div ref={host} className="dmn-host" style={{ minHeight: 360, overflow: 'auto' }} data-testid="dmn-editor" />
          </Card>
        </Col>
        <Col xs={24} xl={7}>
          <Card title={t('试算', 'Test evaluation')} data-testid="decision-test">
            {!deployedKey ? (
              <Typography.Text type="secondary">{t('部署后即可试算。', 'Deploy to try it out.')}</Typography.Text>
            ) : (
              <Form layout="vertical" onFinish={() => evaluate.mutate()}>
                {dirty && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t('试算使用已部署的版本，当前修改尚未部署。', 'The test uses the deployed version; your changes are not deployed yet.')} />}
                {inputs.map((i) => (
                  <Form.Item key={i.name} label={<span>{i.label} <Typography.Text type="secondary" style={{ fontSize: 12 }}>{i.name}</Typography.Text></span>}>
                    <Input value={values[i.name] ?? ''} onChange={(e) => setValues({ ...values, [i.name]: e.target.value })} data-testid={`decision-input-${i.name}`} />
                  </Form.Item>
                ))}
                <Button htmlType="submit" icon={<PlayCircleOutlined />} loading={evaluate.isPending} data-testid="evaluate-decision">{t('试算', 'Evaluate')}</Button>
                <ErrorAlert error={evaluate.error} style={{ marginTop: 12 }} />
                {evaluate.data && (
                  <div style={{ marginTop: 12 }} data-testid="decision-result">
                    <Typography.Text type="secondary">{t('结果：', 'Result: ')}</Typography.Text>
                    <Typography.Text code>{JSON.stringify(evaluate.data.result)}</Typography.Text>
                  </div>
                )}
              </Form>
            )}
          </Card>
        </Col>
      </Row>
    </div>
  );
}
