/**
 * The notification centre in the header: a bell with the unread count and a list of the latest
 * notifications (new tasks, SLA warnings, finished background jobs). New ones arrive over the
 * server's event stream, opened with a single-use ticket (never the access token in a URL); a dropped
 * stream (no ping for a while, a network error, a server restart) reconnects with a fresh ticket and
 * resumes after the last notification it got.
 */
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Descriptions, Empty, List, Modal, Popover, Progress, Space, Tag, Tooltip, Typography } from 'antd';
import { BellOutlined } from '@ant-design/icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import dayjs from 'dayjs';
import type { Notification, NotificationKind } from '@crm/shared';
import { api, useAuth } from '../../lib/api';
import { useT, type T } from '../../lib/i18n';

/** The server pings every 20 s: a stream silent for longer than this is treated as dropped. */
const SILENCE_MS = 50_000;
const MAX_RETRY_MS = 30_000;

function kindLabel(kind: NotificationKind, t: T): { text: string; color: string } {
  switch (kind) {
    case 'task.assigned': return { text: t('新待办', 'New task'), color: 'blue' };
    case 'task.candidate': return { text: t('可认领', 'Claimable'), color: 'cyan' };
    case 'task.sla_near': return { text: t('即将到期', 'Due soon'), color: 'orange' };
    case 'task.sla_over': return { text: t('已超期', 'Overdue'), color: 'red' };
    case 'job.done': return { text: t('任务完成', 'Job finished'), color: 'green' };
    case 'job.failed': return { text: t('任务失败', 'Job failed'), color: 'red' };
  }
}

/** Background jobs by kind, in the user's words (an unknown kind reads as a background job). */
function jobLabel(kind: string, t: T): string {
  const known: Record<string, string> = {
    'model.train': t('模型训练', 'Model training'),
    'model.score': t('模型评分', 'Model scoring'),
    'model.score.changes': t('评分变化后续处理', 'Score change follow-up'),
    'campaign.launch': t('营销活动发布', 'Campaign launch'),
    'journey.enter': t('客户旅程批量进入', 'Journey entry'),
    'privacy.export': t('个人信息副本导出', 'Personal-information copy'),
  };
  return known[kind] ?? t('后台任务', 'Background job');
}

/** Keeps one event stream open while signed in; calls onEvent for each notification it brings. */
function useNotificationStream(onEvent: (n: Notification & { unread: number }) => void, onUnread: (n: number) => void): void {
  const token = useAuth((s) => s.token);
  const handlers = useRef({ onEvent, onUnread });
  handlers.current = { onEvent, onUnread };
  useEffect(() => {
    if (!token) return;
    let stopped = false;
    let source: EventSource | null = null;
    let retryMs = 1000;
    let lastSeq: number | undefined;
    let reconnect: ReturnType<typeof setTimeout> | undefined;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const drop = () => {
      source?.close();
      source = null;
      clearTimeout(watchdog);
      if (stopped) return;
      reconnect = setTimeout(() => void connect(), retryMs);
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    };
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(drop, SILENCE_MS);
    };
    const connect = async () => {
      if (stopped) return;
      try {
        const { ticket } = await api.notifications.streamTicket();
        if (stopped) return;
        const es = new EventSource(`/api/notifications/stream?ticket=${encodeURIComponent(ticket)}${lastSeq !== undefined ? `&after=${lastSeq}` : ''}`);
        source = es;
        alive();
        es.addEventListener('ready', (e) => {
          const d = JSON.parse((e as MessageEvent<string>).data) as { unread: number; seq: number };
          retryMs = 1000;
          lastSeq ??= d.seq;
          handlers.current.onUnread(d.unread);
          alive();
        });
        es.addEventListener('ping', alive);
        es.addEventListener('notification', (e) => {
          const n = JSON.parse((e as MessageEvent<string>).data) as Notification & { unread: number };
          lastSeq = n.seq;
          handlers.current.onEvent(n);
          alive();
        });
        // The browser would retry with the spent ticket: take over and reconnect with a new one.
        es.onerror = drop;
      } catch {
        drop();
      }
    };
    void connect();
    return () => {
      stopped = true;
      clearTimeout(reconnect);
      clearTimeout(watchdog);
      source?.close();
    };
  }, [token]);
}

function JobModal({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  const t = useT();
  const job = useQuery({ queryKey: ['job', jobId], queryFn: () => api.jobs.get(jobId), retry: false });
  const j = job.data;
  const status: Record<string, string> = { queued: t('排队中', 'Queued'), running: t('运行中', 'Running'), done: t('已完成', 'Done'), failed: t('失败', 'Failed') };
  return (
    <Modal open onCancel={onClose} footer={null} title={j ? jobLabel(j.kind, t) : t('后台任务', 'Background job')}>
      {job.isError && <Typography.Text type="danger">{t('无法读取该任务（可能已被清理）', 'The job cannot be read (it may have been cleaned up)')}</Typography.Text>}
      {j && (
        <Descriptions column={1} size="small" data-testid="job-detail">
          <Descriptions.Item label={t('状态', 'Status')}>{status[j.status] ?? j.status}</Descriptions.Item>
          <Descriptions.Item label={t('进度', 'Progress')}>
            {j.progress.total ? <Progress percent={Math.round((j.progress.done / j.progress.total) * 100)} size="small" style={{ width: 200 }} /> : j.progress.done}
          </Descriptions.Item>
          <Descriptions.Item label={t('完成时间', 'Finished')}>{j.finishedAt ? dayjs(j.finishedAt).format('YYYY-MM-DD HH:mm') : '—'}</Descriptions.Item>
          {j.error && <Descriptions.Item label={t('原因', 'Reason')}>{j.error.message}</Descriptions.Item>}
        </Descriptions>
      )}
    </Modal>
  );
}

export function NotificationBell() {
  const t = useT();
  const nav = useNavigate();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [job, setJob] = useState<string | null>(null);
  const [pushedUnread, setPushedUnread] = useState<number | null>(null);
  const list = useQuery({ queryKey: ['notifications'], queryFn: () => api.notifications.list({ limit: 20 }), staleTime: 60_000 });

  useNotificationStream(
    (n) => {
      setPushedUnread(n.unread);
      void qc.invalidateQueries({ queryKey: ['notifications'] });
      if (n.kind.startsWith('task.')) void qc.invalidateQueries({ queryKey: ['tasks'] });
    },
    (unread) => setPushedUnread(unread),
  );
  useEffect(() => {
    if (list.data) setPushedUnread(list.data.unread);
  }, [list.data]);
  const unread = pushedUnread ?? list.data?.unread ?? 0;

  const openOne = async (n: Notification) => {
    setOpen(false);
    if (!n.readAt) {
      const r = await api.notifications.read(n.id).catch(() => null);
      if (r) setPushedUnread(r.unread);
      void qc.invalidateQueries({ queryKey: ['notifications'] });
    }
    if (n.kind.startsWith('task.')) nav(`/tasks?task=${encodeURIComponent(n.ref)}`);
    else setJob(n.ref);
  };
  const readAll = async () => {
    const r = await api.notifications.readAll();
    setPushedUnread(r.unread);
    void qc.invalidateQueries({ queryKey: ['notifications'] });
  };

  const content = (
    <div style={{ width: 'min(360px, calc(100vw - 32px))' }} data-testid="notification-list">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 4 }}>
        <Typography.Text strong>{t('通知', 'Notifications')}</Typography.Text>
        <Button type="link" size="small" disabled={!unread} onClick={() => void readAll()}>{t('全部已读', 'Mark all read')}</Button>
      </Space>
      {list.data?.items.length ? (
        <List
          size="small"
          style={{ maxHeight: 'min(60vh, 420px)', overflowY: 'auto' }}
          dataSource={list.data.items}
          renderItem={(n) => {
            const k = kindLabel(n.kind, t);
            return (
              <List.Item key={n.id} onClick={() => void openOne(n)} style={{ cursor: 'pointer', background: n.readAt ? undefined : '#f3f8ff', paddingInline: 8 }} data-testid="notification-item">
                <div style={{ minWidth: 0, width: '100%' }}>
                  <Space size={4} style={{ width: '100%' }}>
                    <Tag color={k.color} style={{ marginInlineEnd: 0 }}>{k.text}</Tag>
                    <Typography.Text ellipsis style={{ maxWidth: 230 }}>{n.kind.startsWith('job.') ? jobLabel(n.title, t) : n.title}</Typography.Text>
                  </Space>
                  <div style={{ fontSize: 12, color: '#7a8194', marginTop: 2 }}>
                    {dayjs(n.createdAt).format('MM-DD HH:mm')}
                    {n.dueAt && <span style={{ marginLeft: 8 }}>{t('到期', 'Due')} {dayjs(n.dueAt).format('MM-DD HH:mm')}</span>}
                  </div>
                </div>
              </List.Item>
            );
          }}
        />
      ) : (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('暂无通知', 'No notifications')} />
      )}
    </div>
  );

  return (
    <>
      <Popover trigger="click" placement="bottomRight" open={open} onOpenChange={setOpen} content={content} arrow={false}>
        <Tooltip title={open ? undefined : t('通知', 'Notifications')}>
          <Badge count={unread} size="small" data-testid="notification-badge">
            <Button shape="circle" icon={<BellOutlined />} aria-label={t('通知', 'Notifications')} data-testid="notification-bell" />
          </Badge>
        </Tooltip>
      </Popover>
      {job && <JobModal jobId={job} onClose={() => setJob(null)} />}
    </>
  );
}
