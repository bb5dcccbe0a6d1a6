import { Alert, Empty, Result, Spin } from 'antd';
import type { ReactNode } from 'react';
import { ApiError } from '@crm/shared';
import { useT, type T } from '../lib/i18n';

export function errorText(e: unknown, t: T): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('无法连接服务器：', 'Cannot reach the server: ') + e.message;
    return `${e.message}（${e.status} ${e.code}）`;
  }
  return (e as Error)?.message ?? String(e);
}

/** Shows the server's error as it came, never a made-up answer. */
export function ErrorAlert({ error, style }: { error: unknown; style?: React.CSSProperties }) {
  const t = useT();
  if (!error) return null;
  const e = error as ApiError;
  const title =
    e instanceof ApiError
      ? e.status === 403
        ? t('没有权限', 'Not allowed')
        : e.status === 404
          ? t('未找到', 'Not found')
          : e.status === 0
            ? t('网络错误', 'Network error')
            : t('服务器返回错误', 'The server returned an error')
      : t('出错了', 'Something went wrong');
  const details = e instanceof ApiError ? e.fieldErrors : [];
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16, ...style }}
      title={title}
      description={
        <div>
          <div>{errorText(error, t)}</div>
          {details.length > 0 && (
            <ul style={{ margin: '4px 0 0', paddingLeft: 18 }}>
              {details.slice(0, 20).map((d, i) => (
                <li key={i}>
                  {d.path ? <code>{d.path}</code> : null} {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      }
    />
  );
}

export function Loading({ tip }: { tip?: string }) {
  return (
    <div style={{ padding: 48, textAlign: 'center' }}>
      <Spin size="large" />
      {tip && <div style={{ marginTop: 12, color: '#888' }}>{tip}</div>}
    </div>
  );
}

export function PageHeader({ title, sub, extra }: { title: ReactNode; sub?: ReactNode; extra?: ReactNode }) {
  return (
    <div className="page-header">
      <div>
        <h2 className="page-title">{title}</h2>
        {sub && <div className="page-sub">{sub}</div>}
      </div>
      {extra && <div className="page-extra">{extra}</div>}
    </div>
  );
}

export function EmptyState({ title, children }: { title: ReactNode; children?: ReactNode }) {
  return (
    <div style={{ padding: 48 }}>
      <Empty description={title}>{children}</Empty>
    </div>
  );
}

export function NotFound() {
  const t = useT();
  return <Result status="404" title="404" subTitle={t('页面不存在', 'This page does not exist')} />;
}

/** The engine's complaints about a form definition, shown above the form instead of failing silently. */
export function DefinitionErrors({ issues }: { issues: { path: string; message: string }[] }) {
  const t = useT();
  if (!issues.length) return null;
  return (
    <Alert type="error" showIcon style={{ marginBottom: 16 }} title={t('表单定义有问题，请联系设计人员', 'The form definition has problems: contact its designer')}
      description={<ul style={{ margin: 0, paddingLeft: 18 }}>{issues.slice(0, 10).map((d, i) => <li key={i}><code>{d.path || '/'}</code> {d.message}</li>)}</ul>} data-testid="definition-errors" />
  );
}
