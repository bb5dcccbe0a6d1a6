/**
 * Single sign-on settings (platform right `admin.roles`): the bank's directory (LDAP / Active Directory)
 * and its OpenID Connect provider, with the mapping of directory groups or claim values to roles. Saved
 * settings apply to every server process at once; secrets are write-only. Each has a test: the directory
 * binds as the service account (and can look a user up to show the roles they would get); the provider's
 * discovery document is read. When OIDC is on, the login page shows the sign-in button.
 */
import { useState } from 'react';
import { Alert, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Tabs, Tag, Typography } from 'antd';
import { ApiOutlined, MinusCircleOutlined, PlusOutlined, SaveOutlined } from '@ant-design/icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import dayjs from 'dayjs';
import type { LdapSettingsInput, OidcSettingsInput, SsoSettings, SsoTestResult } from '@crm/shared';
import { api } from '../../lib/api';
import { useT } from '../../lib/i18n';
import { ErrorAlert, Loading, PageHeader } from '../../components/common';

type Mapping = { value: string; roles: string[] }[];
const toRows = (m: Record<string, string[]> | undefined): Mapping => Object.entries(m ?? {}).map(([value, roles]) => ({ value, roles }));
const toMap = (rows: Mapping | undefined) => Object.fromEntries((rows ?? []).filter((r) => r?.value && r.roles?.length).map((r) => [r.value.trim(), r.roles]));

export function SsoSettingsPage() {
  const t = useT();
  const settings = useQuery({ queryKey: ['sso-settings'], queryFn: () => api.admin.ssoSettings() });
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => api.admin.listRoles() });
  if (settings.isLoading) return <Loading />;
  const roleOptions = (roles.data ?? []).map((r) => ({ value: r.key, label: r.name }));
  return (
    <div>
      <PageHeader title={t('统一身份认证', 'Single sign-on')} sub={t('行内目录（LDAP / AD）与 OIDC 身份提供方；目录组或声明值映射为本系统角色。本地应急管理员账号始终可用。', 'The bank\'s directory (LDAP / AD) and OIDC provider; groups or claim values map to roles. Local break-glass accounts always work.')} />
      <ErrorAlert error={settings.error ?? roles.error} />
      {settings.data && (
        <Tabs items={[
          { key: 'ldap', label: t('LDAP / AD 目录', 'LDAP / AD directory'), children: <LdapCard data={settings.data} roleOptions={roleOptions} /> },
          { key: 'oidc', label: 'OIDC', children: <OidcCard data={settings.data} roleOptions={roleOptions} /> },
        ]} />
      )}
    </div>
  );
}

function Source({ s }: { s: SsoSettings['ldap'] | SsoSettings['oidc'] }) {
  const t = useT();
  if (s.source === 'database') return <Tag color="blue" data-testid="sso-source">{t('本页保存', 'Saved here')}{s.updatedBy ? ` · ${s.updatedBy} ${dayjs(s.updatedAt).format('YYYY-MM-DD HH:mm')}` : ''}</Tag>;
  if (s.source === 'environment') return <Tag color="gold" data-testid="sso-source">{t('来自部署环境变量（保存后以本页为准）', 'From the deployment\'s variables (saving here takes over)')}</Tag>;
  return <Tag data-testid="sso-source">{t('未配置', 'Not configured')}</Tag>;
}

function MappingList({ name, valueLabel, roleOptions }: { name: string; valueLabel: string; roleOptions: { value: string; label: string }[] }) {
  const t = useT();
  return (
    <Form.List name={name}>
      {(fields, { add, remove }) => (
        <>
          {fields.map((f) => (
            <Space key={f.key} align="baseline" style={{ display: 'flex' }}>
              <Form.Item name={[f.name, 'value']} rules={[{ required: true, message: t('请填写', 'Required') }]}>
                <Input placeholder={valueLabel} style={{ width: 300 }} data-testid={`${name}-value-${f.name}`} />
              </Form.Item>
              <Form.Item name={[f.name, 'roles']} rules={[{ required: true, message: t('请选择角色', 'Choose roles') }]}>
                <Select mode="multiple" optionFilterProp="label" placeholder={t('角色', 'Roles')} style={{ width: 300 }} options={roleOptions} data-testid={`${name}-roles-${f.name}`} />
              </Form.Item>
              <MinusCircleOutlined onClick={() => remove(f.name)} />
            </Space>
          ))}
          <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ value: '', roles: [] })} data-testid={`${name}-add`}>{t('添加映射', 'Add a mapping')}</Button>
        </>
      )}
    </Form.List>
  );
}

type Kind = 'ldap' | 'oidc';
type RoleOptions = { value: string; label: string }[];
type Values = Record<string, unknown> & { mapping: Mapping };

/** One kind's card: the enable switch, its fields, the value → roles mapping, save and test, and the test's result. */
function SettingsCard(props: {
  kind: Kind; secretField: string; title: string; enableLabel: string; mappingTitle: string; mappingValue: string; s: SsoSettings[Kind]; roleOptions: RoleOptions;
  defaults: Record<string, unknown>; mapping: Record<string, string[]> | undefined; toBody: (v: Values) => Promise<SsoSettings>; testBody?: () => { username?: string };
  extra?: React.ReactNode; children: React.ReactNode;
}) {
  const t = useT();
  const qc = useQueryClient();
  const { kind, s } = props;
  const [form] = Form.useForm<Values>();
  const [result, setResult] = useState<SsoTestResult | null>(null);
  const save = useMutation({
    mutationFn: props.toBody,
    onSuccess: (data) => {
      // The secret was sent once: the field empties and says one is stored.
      form.setFieldValue(props.secretField, undefined);
      qc.setQueryData(['sso-settings'], data);
    },
  });
  const test = useMutation({ mutationFn: () => api.admin.testSso(kind, props.testBody?.() ?? {}), onSuccess: setResult });
  return (
    <Card size="small" title={<Space>{props.title}<Source s={s} /></Space>}>
      <ErrorAlert error={save.error ?? test.error} />
      {save.isSuccess && <Alert type="success" showIcon style={{ marginBottom: 12 }} message={t('已保存，立即生效', 'Saved; in force now')} data-testid={`${kind}-saved`} />}
      <Form form={form} layout="vertical" onFinish={(v: Values) => save.mutate(v)} initialValues={{ ...(s.settings ?? props.defaults), mapping: toRows(props.mapping) }} data-testid={`${kind}-form`}>
        <Form.Item name="enabled" label={props.enableLabel} valuePropName="checked"><Switch data-testid={`${kind}-enabled`} /></Form.Item>
        <Row gutter={16}>{props.children}</Row>
        <Typography.Text strong>{props.mappingTitle}</Typography.Text>
        <div style={{ marginTop: 8 }}><MappingList name="mapping" valueLabel={props.mappingValue} roleOptions={props.roleOptions} /></div>
        <Space style={{ marginTop: 16 }} wrap>
          <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={save.isPending} data-testid={`${kind}-save`}>{t('保存', 'Save')}</Button>
          {props.extra}
          <Button icon={<ApiOutlined />} loading={test.isPending} disabled={s.source === 'none'} onClick={() => test.mutate()} data-testid={`${kind}-test`}>{t('测试连接', 'Test')}</Button>
        </Space>
      </Form>
      {result && <Alert style={{ marginTop: 12 }} type={result.ok ? 'success' : 'error'} showIcon data-testid={`${kind}-test-result`} message={result.message} description={`${t('耗时', 'took')} ${result.latencyMs} ms`} />}
    </Card>
  );
}

/** A write-only secret: empty on screen, saying whether one is stored. */
function SecretItem({ name, label, stored, emptyHint, testId }: { name: string; label: string; stored: boolean; emptyHint: string; testId: string }) {
  const t = useT();
  return (
    <Form.Item name={name} label={label} extra={stored ? t('已设置；留空则保持不变（不会显示）', 'Stored; leave empty to keep it (never shown)') : emptyHint}>
      <Input.Password autoComplete="new-password" visibilityToggle={false} placeholder={stored ? t('已设置', 'stored') : ''} data-testid={testId} />
    </Form.Item>
  );
}

function LdapCard({ data, roleOptions }: { data: SsoSettings; roleOptions: RoleOptions }) {
  const t = useT();
  const s = data.ldap;
  const [username, setUsername] = useState('');
  const toBody = ({ mapping, bindPassword, orgAttribute, ...rest }: Values) =>
    api.admin.saveLdapSettings({ ...(rest as unknown as LdapSettingsInput), orgAttribute: (orgAttribute as string) || null, groupRoles: toMap(mapping), ...(bindPassword ? { bindPassword: bindPassword as string } : {}) });
  return (
    <SettingsCard kind="ldap" secretField="bindPassword" s={s} roleOptions={roleOptions} title={t('目录登录', 'Directory login')} enableLabel={t('启用目录登录', 'Enable directory login')}
      mappingTitle={t('目录组 → 角色', 'Directory group → roles')} mappingValue={t('组名（cn）或完整 DN', 'Group cn or DN')} mapping={s.settings?.groupRoles}
      defaults={{ enabled: false, userAttribute: 'uid', displayNameAttribute: 'cn', timeoutMs: 5000 }} toBody={toBody} testBody={() => (username ? { username } : {})}
      extra={<Input style={{ width: 220 }} value={username} onChange={(e) => setUsername(e.target.value)} placeholder={t('测试用户名（可选）', 'User to look up (optional)')} data-testid="ldap-test-user" />}>
      <Col span={12}><Form.Item name="url" label={t('服务器地址', 'Server URL')} rules={[{ required: true }]}><Input placeholder="ldaps://ldap.bank.example:636" data-testid="ldap-url" /></Form.Item></Col>
      <Col span={12}><Form.Item name="timeoutMs" label={t('超时（毫秒）', 'Timeout (ms)')}><InputNumber min={100} max={60000} style={{ width: '100%' }} /></Form.Item></Col>
      <Col span={12}><Form.Item name="bindDn" label={t('服务账号绑定 DN', 'Service account bind DN')} rules={[{ required: true }]}><Input data-testid="ldap-bind-dn" /></Form.Item></Col>
      <Col span={12}><SecretItem name="bindPassword" label={t('服务账号密码', 'Service account password')} stored={s.secretSet} emptyHint={t('只写：保存后不再显示', 'Write-only: never shown after saving')} testId="ldap-bind-password" /></Col>
      <Col span={12}><Form.Item name="userBase" label={t('用户搜索基准（Base DN）', 'User search base')} rules={[{ required: true }]}><Input data-testid="ldap-user-base" /></Form.Item></Col>
      <Col span={12}><Form.Item name="groupBase" label={t('组搜索基准', 'Group search base')} rules={[{ required: true }]}><Input data-testid="ldap-group-base" /></Form.Item></Col>
      <Col span={8}><Form.Item name="userAttribute" label={t('登录名属性', 'Login name attribute')}><Input placeholder="uid / sAMAccountName" /></Form.Item></Col>
      <Col span={8}><Form.Item name="displayNameAttribute" label={t('姓名属性', 'Display name attribute')}><Input /></Form.Item></Col>
      <Col span={8}><Form.Item name="orgAttribute" label={t('机构代码属性（可选）', 'Org unit code attribute (optional)')}><Input placeholder="departmentNumber" /></Form.Item></Col>
    </SettingsCard>
  );
}

function OidcCard({ data, roleOptions }: { data: SsoSettings; roleOptions: RoleOptions }) {
  const t = useT();
  const s = data.oidc;
  const toBody = ({ mapping, clientSecret, orgClaim, ...rest }: Values) =>
    api.admin.saveOidcSettings({ ...(rest as unknown as OidcSettingsInput), orgClaim: (orgClaim as string) || null, roleMap: toMap(mapping), ...(clientSecret ? { clientSecret: clientSecret as string } : {}) });
  return (
    <SettingsCard kind="oidc" secretField="clientSecret" s={s} roleOptions={roleOptions} title={t('OIDC 单点登录', 'OpenID Connect sign-on')} enableLabel={t('启用（登录页显示统一身份认证按钮）', 'Enable (the login page shows the button)')}
      mappingTitle={t('声明值 → 角色', 'Claim value → roles')} mappingValue={t('角色声明中的值', 'A value of the roles claim')} mapping={s.settings?.roleMap} toBody={toBody}
      defaults={{ enabled: false, scopes: 'openid profile', usernameClaim: 'preferred_username', nameClaim: 'name', rolesClaim: 'groups', label: '统一身份认证', redirectUri: `${location.origin}/api/auth/oidc/callback` }}>
      <Col span={12}><Form.Item name="issuer" label={t('身份提供方地址（Issuer）', 'Issuer')} rules={[{ required: true }]}><Input placeholder="https://idp.bank.example" data-testid="oidc-issuer" /></Form.Item></Col>
      <Col span={12}><Form.Item name="redirectUri" label={t('回调地址', 'Redirect URI')} rules={[{ required: true }]}><Input data-testid="oidc-redirect" /></Form.Item></Col>
      <Col span={12}><Form.Item name="clientId" label={t('客户端 ID', 'Client id')} rules={[{ required: true }]}><Input data-testid="oidc-client-id" /></Form.Item></Col>
      <Col span={12}><SecretItem name="clientSecret" label={t('客户端密钥', 'Client secret')} stored={s.secretSet} emptyHint={t('只写：保存后不再显示；不填为公共客户端（仅 PKCE）', 'Write-only; empty: a public client (PKCE only)')} testId="oidc-client-secret" /></Col>
      <Col span={12}><Form.Item name="scopes" label={t('授权范围（Scopes）', 'Scopes')}><Input /></Form.Item></Col>
      <Col span={12}><Form.Item name="label" label={t('登录按钮文字', 'Button label')}><Input maxLength={40} data-testid="oidc-label" /></Form.Item></Col>
      <Col span={6}><Form.Item name="usernameClaim" label={t('用户名声明', 'User name claim')}><Input /></Form.Item></Col>
      <Col span={6}><Form.Item name="nameClaim" label={t('姓名声明', 'Name claim')}><Input /></Form.Item></Col>
      <Col span={6}><Form.Item name="rolesClaim" label={t('角色声明', 'Roles claim')}><Input /></Form.Item></Col>
      <Col span={6}><Form.Item name="orgClaim" label={t('机构代码声明（可选）', 'Org unit claim (optional)')}><Input /></Form.Item></Col>
    </SettingsCard>
  );
}
