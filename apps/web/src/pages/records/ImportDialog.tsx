import { useState } from 'react';
import { Alert, Button, Modal, Progress, Radio, Select, Space, Table, Typography, Upload } from 'antd';
import { UploadOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import type { ImportPreview, ImportStatus } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';

/** Upload → preview with the proposed mapping → dry run or import → progress, per-row errors, rejected rows file. */
export function ImportDialog({ object, open, onClose }: { object: string; open: boolean; onClose: (changed: boolean) => void }) {
  const t = useT();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [mode, setMode] = useState<'insert' | 'upsert'>('insert');
  const [key, setKey] = useState<string | undefined>();
  const [importId, setImportId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const status = useQuery({
    queryKey: ['imports', importId],
    queryFn: () => api.imports.get(importId!),
    enabled: !!importId,
    refetchInterval: (q) => (q.state.data && (q.state.data.status === 'done' || q.state.data.status === 'failed') ? false : 1000),
  });
  const s: ImportStatus | undefined = status.data;

  async function choose(f: File) {
    setFile(f);
    setImportId(null);
    setError(null);
    try {
      const p = await api.imports.preview(f, f.name, { object });
      setPreview(p);
      setMapping(p.mapping);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  async function run(dryRun: boolean) {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const started = await api.imports.start(file, file.name, { object, mapping, mode, key: mode === 'upsert' ? key : undefined, encoding: preview?.encoding ?? undefined, dryRun });
      setImportId(started.id);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  }

  async function downloadRejected() {
    const text = await api.imports.rejectedCsv(importId!);
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `rejected-${importId}.csv`;
    a.click();
    URL.revokeObjectURL(url);
  }

  const fieldOptions = [{ value: '', label: t('（不导入）', '(skip)') }, ...(preview?.fields ?? []).map((f) => ({ value: f.key, label: `${f.label}${f.required ? ' *' : ''}` }))];
  const finished = s && (s.status === 'done' || s.status === 'failed');
  return (
    <Modal open={open} width={760} title={t('导入', 'Import')} onCancel={() => onClose(!!s && !s.dryRun && s.inserted + s.updated > 0)} footer={null} destroyOnHidden>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Upload accept=".csv,.xlsx" maxCount={1} showUploadList={false} beforeUpload={(f) => { void choose(f); return false; }}>
          <Button icon={<UploadOutlined />} data-testid="import-file">{file ? file.name : t('选择 CSV 或 XLSX 文件', 'Choose a CSV or XLSX file')}</Button>
        </Upload>
        {error && <Alert type="error" message={error} data-testid="import-error" />}
        {preview && (
          <>
            <Typography.Text type="secondary">{t(`格式 ${preview.format}${preview.encoding ? `，编码 ${preview.encoding}` : ''}`, `Format ${preview.format}${preview.encoding ? `, encoding ${preview.encoding}` : ''}`)}</Typography.Text>
            <Table
              size="small"
              pagination={false}
              rowKey="column"
              data-testid="import-mapping"
              dataSource={preview.columns.map((column, i) => ({ column, sample: preview.rows[0]?.[i] ?? '' }))}
              columns={[
                { title: t('文件列', 'Column'), dataIndex: 'column' },
                { title: t('示例', 'Sample'), dataIndex: 'sample' },
                {
                  title: t('字段', 'Field'),
                  render: (_: unknown, r: { column: string }) => (
                    <Select style={{ width: 220 }} value={mapping[r.column] ?? ''} options={fieldOptions} onChange={(v: string) => setMapping({ ...mapping, [r.column]: v })} data-testid={`map-${r.column}`} />
                  ),
                },
              ]}
            />
            <Space>
              <Radio.Group value={mode} onChange={(e) => setMode(e.target.value as 'insert' | 'upsert')}>
                <Radio value="insert">{t('仅新增', 'Insert only')}</Radio>
                <Radio value="upsert">{t('按键更新或新增', 'Update or insert by key')}</Radio>
              </Radio.Group>
              {mode === 'upsert' && (
                <Select style={{ width: 180 }} placeholder={t('匹配键', 'Key')} value={key} onChange={setKey} options={Object.values(mapping).filter(Boolean).map((k) => ({ value: k, label: preview.fields.find((f) => f.key === k)?.label ?? k }))} />
              )}
            </Space>
            <Space>
              <Button onClick={() => void run(true)} loading={busy} disabled={!!s && !finished} data-testid="import-dry-run">{t('试运行', 'Dry run')}</Button>
              <Button type="primary" onClick={() => void run(false)} loading={busy} disabled={!!s && !finished} data-testid="import-run">{t('开始导入', 'Import')}</Button>
            </Space>
          </>
        )}
        {s && (
          <div data-testid="import-status">
            <Progress percent={s.total ? Math.floor((100 * s.processed) / s.total) : 0} status={s.status === 'failed' ? 'exception' : s.status === 'done' ? 'success' : 'active'} />
            <Typography.Text data-testid="import-counts">
              {s.dryRun ? t('试运行：', 'Dry run: ') : ''}
              {t(`共 ${s.total} 行，新增 ${s.inserted}，更新 ${s.updated}，拒绝 ${s.rejected}`, `${s.total} rows, ${s.inserted} inserted, ${s.updated} updated, ${s.rejected} rejected`)}
            </Typography.Text>
            {s.errors.length > 0 && (
              <>
                <Table
                  size="small"
                  style={{ marginTop: 8 }}
                  rowKey={(e) => `${e.row}-${e.column}-${e.code}`}
                  pagination={{ pageSize: 5 }}
                  dataSource={s.errors}
                  data-testid="import-errors"
                  columns={[
                    { title: t('行', 'Row'), dataIndex: 'row', width: 60 },
                    { title: t('列', 'Column'), dataIndex: 'column', width: 120 },
                    { title: t('原因', 'Reason'), dataIndex: 'message' },
                  ]}
                />
                {finished && <Button onClick={() => void downloadRejected()} data-testid="import-rejected">{t('下载被拒绝的行', 'Download rejected rows')}</Button>}
              </>
            )}
          </div>
        )}
      </Space>
    </Modal>
  );
}
