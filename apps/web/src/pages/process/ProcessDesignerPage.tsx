import { useEffect, useRef, useState } from 'react';
import { Alert, App, Button, Card, List, Space, Table, Tag, Tooltip, Upload } from 'antd';
import { CheckCircleOutlined, CloudUploadOutlined, DownloadOutlined, ImportOutlined, PlayCircleOutlined, RedoOutlined, SettingOutlined, UndoOutlined, ZoomInOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useParams } from 'react-router';
import dayjs from 'dayjs';
import Modeler from 'bpmn-js/lib/Modeler';
import { ApiError, type ProcessDefinition } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';
import { crmModdle, drawable, foreignAttributesIn, newProcessXml, processIdOf } from './bpmn';
import { CrmPropertiesPanel, validateModel, type Problem } from './CrmPropertiesPanel';
import { StartProcessModal } from './ProcessListPage';
import { paletteTooltipsModule, translateModule } from './bpmn-translate';

 

export function ProcessDesignerPage() {
  const { key } = useParams();
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const host = useRef<HTMLDivElement>(null);
  const [modeler, setModeler] = useState<Modeler | null>(null);
  const [selected, setSelected] = useState<any>(null);
  const [tick, setTick] = useState(0);
  const [importError, setImportError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Problem[] | null>(null);
  const [deployed, setDeployed] = useState<{ key: string; version: number } | null>(null);
  const [deployError, setDeployError] = useState<unknown>(null);
  /** What the last deploy ignored (another tool's attributes), with our equivalent. */
  const [deployWarnings, setDeployWarnings] = useState<string[]>([]);
  const [starting, setStarting] = useState(false);
  const [processName, setProcessName] = useState<string>('');

  const xml = useQuery({ queryKey: ['process-xml', key], queryFn: () => api.processes.xml(key!), enabled: !!key });
  const versions = useQuery({
    queryKey: ['process-versions', key],
    enabled: !!(key ?? deployed?.key),
    queryFn: async (): Promise<ProcessDefinition[]> => {
      const k = key ?? deployed!.key;
      try {
        return await api.processes.versions(k);
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return (await api.processes.list()).filter((d) => d.key === k);
        throw e;
      }
    },
  });

  useEffect(() => {
    const m = new Modeler({ container: host.current!, moddleExtensions: { crm: crmModdle }, additionalModules: [translateModule, paletteTooltipsModule] } as any);
    const bus: any = m.get('eventBus');
    bus.on('selection.changed', (e: any) => setSelected(e.newSelection?.[0] ?? null));
    bus.on('elements.changed', () => setTick((n) => n + 1));
    setModeler(m);
    return () => m.destroy();
  }, []);

  const importXml = async (text: string) => {
    if (!modeler) return;
    setImportError(null);
    setProblems(null);
    try {
      const res = await modeler.importXML(await drawable(text));
      if (res.warnings?.length) setImportError(t(`导入完成，但有 ${res.warnings.length} 条警告：`, `Imported with ${res.warnings.length} warnings: `) + res.warnings.slice(0, 3).map((w: any) => w.message).join('；'));
      // Attributes of another engine (Flowable, Camunda …) are dropped on deploy: say which, and ours.
      const foreign = foreignAttributesIn((modeler as any).getDefinitions());
      setDeployWarnings(foreign.map((f) => (f.suggestion
        ? t(`${f.elementId}：本平台不识别属性 ${f.attribute}，请改用 ${f.suggestion}`, `${f.elementId}: ${f.attribute} is not used here; use ${f.suggestion}`)
        : t(`${f.elementId}：本平台不识别属性 ${f.attribute}，部署时将忽略`, `${f.elementId}: ${f.attribute} is not used here and is ignored on deploy`))));
      (modeler.get('canvas') as any).zoom('fit-viewport', 'auto');
      const root = (modeler.get('canvas') as any).getRootElement();
      setSelected(root?.businessObject?.$type === 'bpmn:Process' ? root : null);
      setProcessName(processIdOf(text).name ?? '');
    } catch (e) {
      setImportError(t('无法导入该 BPMN 文件：', 'Cannot import this BPMN file: ') + (e as Error).message);
    }
  };

  useEffect(() => {
    if (!modeler) return;
    if (key && xml.data) void importXml(xml.data);
    else if (!key) void importXml(newProcessXml(`process_${Date.now().toString(36)}`, t('新流程', 'New process'), t('审批', 'Approve')));
  }, [modeler, key, xml.data]); // eslint-disable-line react-hooks/exhaustive-deps

  const validate = () => {
    if (!modeler) return [];
    const p = validateModel(modeler, t);
    setProblems(p);
    return p;
  };

  const deploy = useMutation({
    mutationFn: async () => {
      const { xml: out } = await modeler!.saveXML({ format: true });
      const meta = processIdOf(out!);
      return api.processes.deploy({ key: meta.id ?? undefined, name: meta.name ?? undefined, bpmnXml: out! });
    },
    onSuccess: (r) => {
      setDeployError(null);
      setDeployWarnings((r.warnings ?? []).map((w) => w.message));
      setDeployed({ key: r.key, version: r.version });
      message.success(t(`部署成功：${r.key} 版本 v${r.version}`, `Deployed ${r.key} version ${r.version}`));
      qc.invalidateQueries({ queryKey: ['process-definitions'] });
      qc.invalidateQueries({ queryKey: ['process-versions'] });
      if (!key) nav(`/design/processes/${r.key}`, { replace: true });
    },
    onError: (e) => setDeployError(e),
  });

  const download = async () => {
    const { xml: out } = await modeler!.saveXML({ format: true });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([out!], { type: 'application/xml' }));
    a.download = `${processIdOf(out!).id ?? 'process'}.bpmn`;
    a.click();
  };

  const goTo = (id: string) => {
    if (!modeler || !id) return;
    const el = (modeler.get('elementRegistry') as any).get(id);
    if (el) { (modeler.get('selection') as any).select(el); (modeler.get('canvas') as any).scrollToElement?.(el); }
  };

  const errors = problems?.filter((p) => p.level === 'error') ?? [];
  const currentKey = key ?? deployed?.key;

  return (
    <div>
      <PageHeader
        title={processName || key || t('新建流程', 'New process')}
        sub={<span>{t('流程设计', 'Process designer')}{currentKey ? <> · <code>{currentKey}</code></> : null} {deployed ? <Tag color="green" data-testid="deployed-version">{t('已部署', 'Deployed')} v{deployed.version}</Tag> : null}</span>}
        extra={
          <Space wrap>
            <span data-testid="import-bpmn-wrap">
              <Upload accept=".bpmn,.xml" showUploadList={false} beforeUpload={(file) => { file.text().then(importXml); return false; }}>
                <Button icon={<ImportOutlined />} data-testid="import-bpmn">{t('导入 BPMN 文件', 'Import BPMN file')}</Button>
              </Upload>
            </span>
            <Tooltip title={t('撤销', 'Undo')}><Button icon={<UndoOutlined />} onClick={() => (modeler?.get('commandStack') as any)?.undo()} /></Tooltip>
            <Tooltip title={t('重做', 'Redo')}><Button icon={<RedoOutlined />} onClick={() => (modeler?.get('commandStack') as any)?.redo()} /></Tooltip>
            <Tooltip title={t('适应画布', 'Fit')}><Button icon={<ZoomInOutlined />} onClick={() => (modeler?.get('canvas') as any)?.zoom('fit-viewport', 'auto')} /></Tooltip>
            <Button icon={<SettingOutlined />} data-testid="process-props" onClick={() => { const root = (modeler?.get('canvas') as any)?.getRootElement(); if (root) { (modeler!.get('selection') as any).select(root); setSelected(root); } }}>{t('流程属性', 'Process properties')}</Button>
            <Button icon={<DownloadOutlined />} onClick={download}>{t('下载', 'Download')}</Button>
            <Button icon={<CheckCircleOutlined />} onClick={validate} data-testid="validate-bpmn">{t('校验', 'Validate')}</Button>
            <Button type="primary" icon={<CloudUploadOutlined />} loading={deploy.isPending} data-testid="deploy-bpmn"
              onClick={() => {
                const p = validate();
                if (p.some((x) => x.level === 'error')) { message.error(t('请先修正校验错误', 'Fix the errors first')); return; }
                deploy.mutate();
              }}>
              {t('部署', 'Deploy')}
            </Button>
            {currentKey && <Button icon={<PlayCircleOutlined />} onClick={() => setStarting(true)} data-testid="start-process">{t('发起', 'Start')}</Button>}
          </Space>
        }
      />
      {importError && <Alert type="warning" showIcon title={importError} style={{ marginBottom: 12 }} closable />}
      <ErrorAlert error={deployError} />
      {deployWarnings.length > 0 && (
        <Alert type="warning" showIcon closable style={{ marginBottom: 12 }} data-testid="deploy-warnings" onClose={() => setDeployWarnings([])}
          title={deployed ? t(`已部署，但有 ${deployWarnings.length} 个属性未被使用`, `Deployed; ${deployWarnings.length} attributes are not used`) : t(`导入的文件中有 ${deployWarnings.length} 个其他引擎的属性本平台不使用`, `The imported file has ${deployWarnings.length} attributes of another engine that are not used here`)}
          description={<List size="small" dataSource={deployWarnings} renderItem={(w) => <List.Item style={{ padding: '2px 0' }}>{w}</List.Item>} />} />
      )}
      {xml.error && <ErrorAlert error={xml.error} />}
      {problems && (
        <Alert
          style={{ marginBottom: 12 }}
          type={errors.length ? 'error' : problems.length ? 'warning' : 'success'}
          showIcon
          closable
          onClose={() => setProblems(null)}
          title={problems.length ? t(`发现 ${errors.length} 个错误，${problems.length - errors.length} 个提醒`, `${errors.length} errors, ${problems.length - errors.length} warnings`) : t('校验通过，可以部署', 'Valid: ready to deploy')}
          description={problems.length ? (
            <List size="small" dataSource={problems} renderItem={(p) => (
              <List.Item style={{ cursor: p.id ? 'pointer' : undefined, padding: '2px 0' }} onClick={() => goTo(p.id)}>
                <Tag color={p.level === 'error' ? 'red' : 'orange'}>{p.level === 'error' ? t('错误', 'error') : t('提醒', 'warning')}</Tag>{p.message}
              </List.Item>
            )} />
          ) : undefined}
          data-testid="validation-result"
        />
      )}
      <div style={{ display: 'flex', gap: 12 }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          <div className="bpmn-wrap" ref={host} data-testid="bpmn-canvas" />
        </div>
        <div className="fd-props" style={{ height: 'calc(100vh - 200px)', minHeight: 480 }}>
          <CrmPropertiesPanel modeler={modeler} element={selected} version={tick} />
        </div>
      </div>
      {currentKey && (
        <Card size="small" title={t('版本', 'Versions')} style={{ marginTop: 12 }}>
          <ErrorAlert error={versions.error} />
          <Table<ProcessDefinition>
            size="small"
            rowKey={(d) => d.id ?? `${d.key}:${d.version}`}
            loading={versions.isLoading}
            dataSource={[...(versions.data ?? [])].sort((a, b) => b.version - a.version)}
            pagination={false}
            columns={[
              { title: t('版本', 'Version'), dataIndex: 'version', render: (v) => <Tag color="blue">v{v}</Tag> },
              { title: t('名称', 'Name'), dataIndex: 'name' },
              { title: t('部署时间', 'Deployed'), render: (_, d) => (d.deployedAt ? dayjs(String(d.deployedAt)).format('YYYY-MM-DD HH:mm:ss') : '') },
              { title: 'ID', dataIndex: 'id', render: (v) => <code style={{ fontSize: 11 }}>{v}</code> },
              { title: '', render: () => <Link to={`/instances?definitionKey=${currentKey}`}>{t('查看实例', 'Instances')}</Link> },
            ]}
          />
        </Card>
      )}
      {starting && currentKey && <StartProcessModal processKey={currentKey} onClose={() => setStarting(false)} />}
    </div>
  );
}
