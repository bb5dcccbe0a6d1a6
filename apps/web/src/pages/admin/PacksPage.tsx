/**
 * Solution packs: the packs this release bundles, the version installed and the one available, and
 * for the designers (`designer`, like installing) the upgrade preview — what installing the bundled
 * version would change, computed without writing anything — before applying it.
 */
import { useState } from 'react';
import { Alert, App, Button, Card, Descriptions, Empty, List, Modal, Table, Tag, Typography } from 'antd';
import { EyeOutlined, CloudUploadOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import type { InstallResult, TemplateSummary } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useL, useT, type T } from '../../lib/i18n';
import { ErrorAlert, PageHeader } from '../../components/common';

/** One line of an install's change list (`field customer.x (updated)`, `process p v3`…) in words. */
export function changeText(t: T, line: string): string {
  const m = /^(\w+) (.+?)( \(updated\)| \(set up\)| published (v\d+))?$/.exec(line);
  if (!m) return line;
  const kinds: Record<string, string> = {
    object: t('对象', 'Object'), field: t('字段', 'Field'), form: t('表单', 'Form'), role: t('角色', 'Role'), decision: t('决策表', 'Decision table'),
    process: t('流程', 'Process'), trigger: t('触发器', 'Trigger'), report: t('报表', 'Report'), dashboard: t('仪表板', 'Dashboard'),
    model: t('模型', 'Model'), campaign: t('营销活动', 'Campaign'), journey: t('客户旅程', 'Journey'),
  };
  const kind = kinds[m[1]!] ?? t('数据', 'Record') + ` ${m[1]}`;
  const how = m[3] === ' (updated)' ? t('更新', 'updated') : m[3] === ' (set up)' ? t('设置', 'set up') : m[4] ? t(`发布 ${m[4]}`, `published ${m[4]}`) : t('新增', 'added');
  return `${kind} ${m[2]} · ${how}`;
}

function PreviewBody({ result }: { result: InstallResult }) {
  const t = useT();
  const nothing = !result.changes.length && !result.migrations.length && !result.conflicts.length && !result.roleDifferences.length;
  if (nothing) return <Alert type="success" showIcon title={t('已是最新：升级不会改变任何内容', 'Up to date: the upgrade would change nothing')} data-testid="preview-nothing" />;
  const section = (title: string, items: string[], testId: string) => items.length > 0 && (
    <List size="small" header={<b>{title}（{items.length}）</b>} dataSource={items} data-testid={testId} style={{ marginBottom: 12 }}
      renderItem={(x) => <List.Item>{x}</List.Item>} />
  );
  return (
    <div data-testid="preview-result">
      {section(t('将要变更', 'Would change'), result.changes.map((c) => changeText(t, c)), 'preview-changes')}
      {section(t('将要执行的数据迁移', 'Migrations to run'), result.migrations, 'preview-migrations')}
      {section(t('保留本行修改（包未变更）', 'Kept as the bank changed them'), result.kept, 'preview-kept')}
      {section(t('双方均修改，保留本行版本', 'Changed on both sides: the bank\'s version is kept'), result.conflicts.map((c) => c.part), 'preview-conflicts')}
      {section(t('与包定义不同的角色（不会自动修改）', 'Roles differing from the pack (never changed automatically)'), result.roleDifferences.map((r) => r.role), 'preview-roles')}
    </div>
  );
}

export function PacksPage() {
  const t = useT();
  const l = useL();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const designer = !!useAuth((s) => s.user)?.platform?.includes('designer');
  const list = useQuery({ queryKey: ['templates'], queryFn: () => api.templates.list() });
  const [previewOf, setPreviewOf] = useState<TemplateSummary | null>(null);
  const preview = useMutation({ mutationFn: (key: string) => api.templates.preview(key) });
  const install = useMutation({
    mutationFn: (key: string) => api.templates.install(key),
    onSuccess: (r) => {
      message.success(t(`已安装 v${r.version}，变更 ${r.changes.length} 项`, `Installed v${r.version}: ${r.changes.length} changes`));
      setPreviewOf(null);
      void qc.invalidateQueries({ queryKey: ['templates'] });
    },
  });
  const open = (p: TemplateSummary) => { setPreviewOf(p); preview.reset(); install.reset(); preview.mutate(p.key); };

  return (
    <div>
      <PageHeader title={t('解决方案包', 'Solution packs')} sub={t('本版本内置的行业方案：已安装版本、可升级版本与升级预览', 'The packs of this release: installed version, available upgrade and its preview')} />
      <ErrorAlert error={list.error} />
      <Card size="small">
        <Table<TemplateSummary>
          size="small"
          rowKey="key"
          loading={list.isLoading}
          dataSource={list.data ?? []}
          pagination={false}
          scroll={{ x: 'max-content' }}
          data-testid="pack-list"
          columns={[
            { title: t('名称', 'Name'), key: 'name', render: (_, p) => <div><b>{l(p.name)}</b>{p.description && <div><Typography.Text type="secondary" style={{ fontSize: 12 }}>{p.description}</Typography.Text></div>}</div> },
            { title: t('已安装版本', 'Installed'), key: 'installed', render: (_, p) => (p.installed ? <span>v{p.installed.version} <Typography.Text type="secondary" style={{ fontSize: 12 }}>{dayjs(p.installed.installedAt).format('YYYY-MM-DD')}</Typography.Text></span> : <Tag>{t('未安装', 'Not installed')}</Tag>) },
            { title: t('可用版本', 'Available'), key: 'version', render: (_, p) => <span>v{p.version}</span> },
            {
              title: t('状态', 'Status'), key: 'status',
              render: (_, p) => !p.installed ? <Tag color="blue">{t('可安装', 'Installable')}</Tag>
                : p.installed.version !== p.version ? <Tag color="gold">{t('可升级', 'Upgrade available')}</Tag> : <Tag color="green">{t('已是最新', 'Up to date')}</Tag>,
            },
            ...(designer
              ? [{ title: t('操作', 'Actions'), key: 'actions', render: (_: unknown, p: TemplateSummary) => <Button size="small" icon={<EyeOutlined />} onClick={() => open(p)} data-testid={`pack-preview-${p.key}`}>{t('升级预览', 'Preview upgrade')}</Button> }]
              : []),
          ]}
        />
      </Card>
      <Modal
        open={!!previewOf}
        width={720}
        title={previewOf ? t(`升级预览：${l(previewOf.name)}`, `Upgrade preview: ${l(previewOf.name)}`) : ''}
        onCancel={() => setPreviewOf(null)}
        footer={[
          <Button key="close" onClick={() => setPreviewOf(null)}>{t('关闭', 'Close')}</Button>,
          <Button key="apply" type="primary" icon={<CloudUploadOutlined />} disabled={!preview.data || (!preview.data.changed && previewOf?.installed?.version === previewOf?.version)} loading={install.isPending} onClick={() => previewOf && install.mutate(previewOf.key)} data-testid="pack-apply">
            {t('应用升级', 'Apply upgrade')}
          </Button>,
        ]}
      >
        <ErrorAlert error={preview.error ?? install.error} />
        {previewOf && (
          <Descriptions size="small" column={2} style={{ marginBottom: 12 }}>
            <Descriptions.Item label={t('当前版本', 'Installed')}>{previewOf.installed ? `v${previewOf.installed.version}` : t('未安装', 'Not installed')}</Descriptions.Item>
            <Descriptions.Item label={t('目标版本', 'Target')}>v{previewOf.version}</Descriptions.Item>
          </Descriptions>
        )}
        {preview.isPending && <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('正在计算变更（不会写入任何数据）…', 'Working out the changes (nothing is written)…')} />}
        {preview.data && <PreviewBody result={preview.data} />}
      </Modal>
    </div>
  );
}
