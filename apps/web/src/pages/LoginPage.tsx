import { useEffect, useState } from 'react';
import { Button, Card, Form, Input, Segmented, Alert, Typography } from 'antd';
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router';
import { createClient, type AuthProviders, type UserSummary } from '@crm/shared';
import { api, useAuth } from '../lib/api';
import { currentLang, useLang, useT } from '../lib/i18n';
import { errorText } from '../components/common';
import { ChangePasswordForm } from './ChangePasswordForm';

export function LoginPage() {
  const t = useT();
  const nav = useNavigate();
  const [params] = useSearchParams();
  const signIn = useAuth((s) => s.signIn);
  const setUser = useAuth((s) => s.setUser);
  const { lang, setLang } = useLang();
  // Why the last session ended (idle timeout, maximum length, signed out elsewhere), if it did.
  const notice = useAuth((s) => s.notice);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Signed in with a temporary password: the token (kept here, not stored) only allows changing it.
  const [mustChange, setMustChange] = useState<{ token: string; user: UserSummary; current: string } | null>(null);

  const [providers, setProviders] = useState<AuthProviders | null>(null);

  function enter(token: string, user: UserSummary, expiresAt: string, to?: string) {
    signIn(token, user, expiresAt);
    api.me().then(setUser, () => undefined);
    nav(to || params.get('next') || '/', { replace: true });
  }

  // Back from single sign-on: a one-time code to exchange for a token, or the reason it failed.
  const ssoCode = params.get('sso');
  const ssoError = params.get('sso_error');
  useEffect(() => {
    api.authProviders().then(setProviders, () => undefined);
    if (ssoError) setError(ssoErrorText(ssoError, t));
    if (!ssoCode) return;
    setBusy(true);
    api.oidcExchange(ssoCode).then(
      (res) => enter(res.accessToken, res.user, res.expiresAt, res.returnTo),
      (e) => {
        setError(errorText(e, t));
        setBusy(false);
      },
    );
    // Once, for the code in the address.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function submit(values: { username: string; password: string }) {
    setBusy(true);
    setError(null);
    try {
      const res = await api.login(values);
      if (res.passwordChangeRequired) setMustChange({ token: res.accessToken, user: res.user, current: values.password });
      else enter(res.accessToken, res.user, res.expiresAt);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  }

  async function changePassword(values: { newPassword: string; confirm: string }) {
    if (!mustChange) return;
    setBusy(true);
    setError(null);
    try {
      const restricted = createClient({ baseUrl: '', getToken: () => mustChange.token, getLanguage: () => currentLang() });
      const res = await restricted.changePassword({ currentPassword: mustChange.current, newPassword: values.newPassword });
      enter(res.accessToken, mustChange.user, res.expiresAt);
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-bg">
      <div className="login-side">
        <h1>{t('银行客户管理平台', 'Bank CRM Platform')}</h1>
        <p>
          {t(
            '客户360°视图、标签与动态客群、营销闭环、可配置的服务流程与审批、字段级权限与完整审计——业务人员自己配置，无需编程。',
            'Customer 360°, tags and dynamic segments, closed-loop campaigns, configurable service processes and approvals, field-level permissions and a complete audit trail — configured by business staff, without code.',
          )}
        </p>
        <p style={{ fontSize: 12, color: '#8f97a8' }}>{t('私有化部署 · 数据不出行', 'On-premise · your data stays in the bank')}</p>
      </div>
      <Card className="login-card" title={t('登录', 'Sign in')} extra={
        <Segmented size="small" value={lang} onChange={(v) => setLang(v as 'zh-CN' | 'en')} options={[{ label: '中文', value: 'zh-CN' }, { label: 'EN', value: 'en' }]} />
      }>
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
        {!error && notice && <Alert type="info" showIcon title={notice} style={{ marginBottom: 16 }} data-testid="login-notice" />}
        {mustChange ? (
          <ChangePasswordForm busy={busy} onFinish={changePassword} />
        ) : (
          <Form layout="vertical" onFinish={submit} requiredMark={false} size="large">
            <Form.Item name="username" label={t('用户名', 'Username')} rules={[{ required: true, message: t('请输入用户名', 'Enter your username') }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus id="login-username" />
            </Form.Item>
            <Form.Item name="password" label={t('密码', 'Password')} rules={[{ required: true, message: t('请输入密码', 'Enter your password') }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" id="login-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="login-submit">
              {t('登录', 'Sign in')}
            </Button>
            {providers?.oidc && (
              <Button block style={{ marginTop: 12 }} href={`/api/auth/oidc/login?returnTo=${encodeURIComponent(params.get('next') || '/')}`} data-testid="login-sso">
                {t(`使用${providers.oidc.label}登录`, `Sign in with ${providers.oidc.label}`)}
              </Button>
            )}
          </Form>
        )}
        <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 12 }}>
          {t('连续多次输入错误密码，账户将被临时锁定。', 'After repeated wrong passwords the account is locked for a while.')}
        </Typography.Paragraph>
      </Card>
    </div>
  );
}

/** Why single sign-on did not complete, in the user's language (codes from the server's callback). */
function ssoErrorText(code: string, t: (zh: string, en: string) => string): string {
  switch (code) {
    case 'auth.no_role':
      return t('您的账号未分配本系统的任何角色，请联系管理员', 'Your account has no role in this system; contact the administrator');
    case 'auth.sso_conflict':
      return t('该用户名已属于本地账号，不能通过统一身份认证登录', 'This user name belongs to a local account');
    case 'auth.sso_bad_username':
      return t('身份认证服务提供的用户名不符合本系统要求', 'The user name the identity provider sent is not valid here');
    case 'auth.disabled':
      return t('账号已停用', 'The account is disabled');
    case 'auth.sso_unavailable':
      return t('统一身份认证服务暂时不可用，请稍后再试', 'Single sign-on is unavailable; try again shortly');
    default:
      return t('统一身份认证登录未完成，请重新登录', 'Single sign-on did not complete; sign in again');
  }
}
