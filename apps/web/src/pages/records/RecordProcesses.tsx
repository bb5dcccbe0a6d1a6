/**
 * 发起流程 on a record page: the processes that can start with a plain start (not only on a message,
 * signal or timer), started with this record as the business data — the server reads the record as the
 * caller may see it; nobody types JSON.
 */
import { useState } from 'react';
import { App, Button, Input, List, Modal, Typography } from 'antd';
import { PlayCircleOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, useAuth } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert } from '../../components/common';

export function StartForRecordButton({ object, id }: { object: string; id: string }) {
  const t = useT();
  const rights = useAuth((s) => s.user?.platform) ?? [];
  const [open, setOpen] = useState(false);
  if (!rights.includes('process.start') && !rights.includes('designer')) return null;
  return (
    <>
      <Button icon={<PlayCircleOutlined />} onClick={() => setOpen(true)} data-testid="start-for-record">{t('发起流程', 'Start a process')}</Button>
      {open && <StartForRecordModal object={object} id={id} onClose={() => setOpen(false)} />}
    </>
  );
}

function StartForRecordModal({ object, id, onClose }: { object: string; id: string; onClose(): void }) {
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const { message } = App.useApp();
  const defs = useQuery({ queryKey: ['process-definitions'], queryFn: () => api.processes.list() });
  // A process that starts only on a message, signal or timer has no plain start to offer.
  const [search, setSearch] = useState('');
  const startable = (defs.data ?? []).filter((d) => !d.startEvents?.length && (!search || `${d.name ?? ''} ${d.key}`.toLowerCase().includes(search.toLowerCase())));
  const start = useMutation({
    mutationFn: (key: string) => api.processes.start(key, { record: { object, id } }),
    onSuccess: (inst) => {
      message.success(t('流程已发起', 'Process started'));
      void qc.invalidateQueries({ queryKey: ['instances'] });
      void qc.invalidateQueries({ queryKey: ['tasks'] });
      onClose();
      nav(`/instances/${inst.id}`);
    },
  });
  return (
    <Modal open title={t('为这条记录发起流程', 'Start a process for this record')} onCancel={onClose} footer={null} data-testid="start-for-record-modal">
      <Typography.Paragraph type="secondary">{t('这条记录将作为流程的业务数据。', 'This record becomes the process\'s business data.')}</Typography.Paragraph>
      <ErrorAlert error={defs.error ?? start.error} />
      <Input.Search allowClear placeholder={t('按流程名称查找', 'Find by process name')} value={search} onChange={(e) => setSearch(e.target.value)} data-testid="start-for-record-search" />
      <List
        style={{ maxHeight: 420, overflowY: 'auto', marginTop: 8 }}
        loading={defs.isLoading}
        dataSource={startable}
        locale={{ emptyText: t('没有可以发起的流程', 'No process to start') }}
        renderItem={(d) => (
          <List.Item actions={[<Button key="go" type="primary" size="small" loading={start.isPending && start.variables === d.key} disabled={start.isPending} onClick={() => start.mutate(d.key)} data-testid={`start-${d.key}`}>{t('发起', 'Start')}</Button>]}>
            <List.Item.Meta title={d.name || d.key} description={`v${d.version}`} />
          </List.Item>
        )}
      />
    </Modal>
  );
}
