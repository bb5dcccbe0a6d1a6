/**
 * Route guards from the user's rights (see lib/rights.ts): a page the user may not use, typed by hand
 * or followed from an old link, shows a "no permission" page instead of firing requests the server
 * refuses.
 */
import type { ReactNode } from 'react';
import { Button, Result } from 'antd';
import { useNavigate, useParams } from 'react-router';
import type { ObjectAction } from '@crm/shared';
import { useT } from '../lib/i18n';
import { meets, useRights, type Need } from '../lib/rights';
import { Loading } from './common';

export function NoPermission() {
  const t = useT();
  const nav = useNavigate();
  return (
    <Result
      status="403"
      title={t('无权访问', 'No permission')}
      subTitle={t('您的角色没有使用此页面的权限。如需开通，请联系系统管理员。', 'Your roles do not allow this page. Ask an administrator if you need it.')}
      extra={<Button type="primary" onClick={() => nav('/')}>{t('返回工作台', 'Back to the workbench')}</Button>}
      data-testid="no-permission"
    />
  );
}

/** Shows `children` only when the user's rights meet `need` (waits while they are being read). */
export function Allowed({ need, children }: { need: Need; children: ReactNode }) {
  const rights = useRights();
  if (!rights.ready) return <Loading />;
  return meets(rights, need) ? <>{children}</> : <NoPermission />;
}

/** For routes with an `:object` parameter: the user may do `action` (read unless named) on that object. */
export function ObjectAllowed({ action = 'read', children }: { action?: ObjectAction; children: ReactNode }) {
  const { object } = useParams();
  return <Allowed need={{ object: object ?? '', action }}>{children}</Allowed>;
}
