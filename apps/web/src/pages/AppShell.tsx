import { Suspense, useEffect, useMemo, useState } from 'react';
import { Loading } from '../components/common';
import { Avatar, Badge, Button, Dropdown, Layout, Menu, Segmented, Space, Tag, Tooltip } from 'antd';
import {
  ApartmentOutlined, ApiOutlined, AppstoreOutlined, AuditOutlined, BranchesOutlined, CheckSquareOutlined, DashboardOutlined,
  DatabaseOutlined, FormOutlined, LogoutOutlined, MenuFoldOutlined, MenuUnfoldOutlined,
  NodeIndexOutlined, SafetyOutlined, SafetyCertificateOutlined, BarChartOutlined, PieChartOutlined, FundOutlined, SettingOutlined, TeamOutlined, UserOutlined, ToolOutlined, FolderOutlined, NotificationOutlined, TableOutlined,
} from '@ant-design/icons';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, useAuth } from '../lib/api';
import { useOpenTasks } from '../lib/tasks';
import { useL, useLang, useT } from '../lib/i18n';
import { groupByApp, useObjects } from '../lib/meta';
import { packMenu } from '../packs/registry';
import { GlobalSearch, menuEntries } from '../components/shell/GlobalSearch';
import { NotificationBell } from '../components/shell/NotificationBell';

const { Sider, Header, Content } = Layout;

export function AppShell() {
  const t = useT();
  const l = useL();
  const nav = useNavigate();
  const loc = useLocation();
  const { lang, setLang } = useLang();
  const user = useAuth((s) => s.user);
  const signOut = useAuth((s) => s.signOut);
  const [collapsed, setCollapsed] = useState(false);
  const objects = useObjects();
  // Assigned and claimable tasks alike wait for the caller.
  const taskCount = useOpenTasks(30_000).count ?? 0;
  const setUser = useAuth((s) => s.setUser);
  const me = useQuery({ queryKey: ['me'], queryFn: () => api.me(), staleTime: 300_000 });
  useEffect(() => { if (me.data) setUser(me.data); }, [me.data, setUser]);

  // Menus follow the caller's platform rights (the server refuses the rest anyway).
  const rights = useMemo(() => new Set<string>(user?.platform ?? []), [user?.platform]);
  const adminItems = useMemo(() => [
    ...(rights.has('admin.users') ? [{ key: '/admin/users', icon: <TeamOutlined />, label: t('用户管理', 'Users') }] : []),
    ...(rights.has('admin.roles') ? [{ key: '/admin/roles', icon: <SafetyOutlined />, label: t('角色权限', 'Roles & permissions') }] : []),
    ...(rights.has('admin.org') || rights.has('admin.users') ? [{ key: '/admin/org', icon: <ApartmentOutlined />, label: t('组织机构', 'Org units') }] : []),
    ...(rights.has('audit.read') ? [{ key: '/admin/audit', icon: <AuditOutlined />, label: t('审计日志', 'Audit trail') }] : []),
    ...(rights.has('webhooks.manage') ? [{ key: '/admin/webhooks', icon: <ApiOutlined />, label: t('Webhook 订阅', 'Webhooks') }] : []),
  ], [rights, t]);
  const items = useMemo(() => {
    const apps = groupByApp(objects.data ?? []).map((g) => ({
      key: `app:${g.key}`,
      icon: <FolderOutlined />,
      label: l(g.label),
      children: g.objects.map((o) => ({ key: `/records/${o.key}`, label: l(o.label, o.key) })),
    }));
    return [
      { key: '/', icon: <DashboardOutlined />, label: t('工作台', 'Workbench') },
      {
        key: '/tasks',
        icon: <CheckSquareOutlined />,
        label: (
          <span>
            {t('我的待办', 'My tasks')} {taskCount > 0 && <Badge count={taskCount} size="small" style={{ marginLeft: 6 }} />}
          </span>
        ),
      },
      ...packMenu().map((m) => ({ key: m.path, icon: m.icon, label: t(m.label['zh-CN'], m.label.en) })),
      ...(apps.length
        ? [{ type: 'group' as const, key: 'g:apps', label: collapsed ? '' : t('业务应用', 'Applications'), children: apps }]
        : [{ key: 'app:none', icon: <AppstoreOutlined />, label: objects.isError ? t('元数据加载失败', 'Metadata failed to load') : t('暂无业务对象', 'No objects yet'), disabled: true }]),
      ...(rights.has('privacy') ? [{ key: '/privacy', icon: <SafetyCertificateOutlined />, label: t('个人信息权利', 'Personal-information rights') }] : []),
      { key: '/campaigns', icon: <NotificationOutlined />, label: t('营销活动', 'Campaigns') },
      { key: '/reports', icon: <PieChartOutlined />, label: t('报表', 'Reports') },
      { key: '/dashboards', icon: <FundOutlined />, label: t('仪表板', 'Dashboards') },
      ...(rights.has('designer') || rights.has('process.admin')
        ? [{
          key: 'g:design',
          icon: <ToolOutlined />,
          label: t('设计中心', 'Design studio'),
          children: [
            ...(rights.has('designer')
              ? [
                { key: '/design/objects', icon: <DatabaseOutlined />, label: t('对象设计', 'Objects') },
                { key: '/design/forms', icon: <FormOutlined />, label: t('表单设计', 'Forms') },
                { key: '/design/processes', icon: <BranchesOutlined />, label: t('流程设计', 'Processes') },
                { key: '/design/decisions', icon: <TableOutlined />, label: t('决策表', 'Decision tables') },
                { key: '/reports/new', icon: <BarChartOutlined />, label: t('报表设计', 'Report designer') },
                { key: '/marketing/journeys', icon: <NodeIndexOutlined />, label: t('客户旅程', 'Journeys') },
              ]
              : []),
            { key: '/instances', icon: <NodeIndexOutlined />, label: t('流程实例', 'Process instances') },
          ],
        }]
        : []),
      ...(adminItems.length ? [{ key: 'g:admin', icon: <SettingOutlined />, label: t('系统管理', 'Administration'), children: adminItems }] : []),
    ];
  }, [objects.data, objects.isError, taskCount, collapsed, l, t, rights, adminItems]);

  const selected = useMemo(() => {
    const p = loc.pathname;
    const m = p.match(/^\/records\/[^/]+/);
    if (m) return m[0];
    const known = ['/marketing/journeys', '/campaigns', '/reports/new', '/reports', '/dashboards', '/design/objects', '/design/forms', '/design/processes', '/design/decisions', '/instances', '/admin/users', '/admin/roles', '/admin/org', '/admin/audit', '/admin/webhooks', '/tasks', '/privacy', ...packMenu().map((m) => m.path)];
    return known.find((k) => p.startsWith(k)) ?? p;
  }, [loc.pathname]);

  const openKeys = useMemo(() => {
    const keys = ['g:design', 'g:admin'].filter((k) => (k === 'g:design' ? /^\/(design|instances)/ : /^\/admin/).test(loc.pathname));
    for (const g of groupByApp(objects.data ?? [])) keys.push(`app:${g.key}`);
    return keys;
  }, [loc.pathname, objects.data]);

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider collapsible collapsed={collapsed} trigger={null} width={224} style={{ position: 'sticky', top: 0, height: '100vh', overflow: 'auto' }}>
        <div className="app-logo">
          <span className="mark">客</span>
          {!collapsed && <span>{t('银行客户管理平台', 'Bank CRM Platform')}</span>}
        </div>
        <Menu
          theme="dark"
          mode="inline"
          selectedKeys={[selected]}
          defaultOpenKeys={openKeys}
          key={openKeys.join('|')}
          items={items}
          onClick={(e) => e.key.startsWith('/') && nav(e.key)}
          data-testid="main-menu"
        />
      </Sider>
      <Layout>
        <Header className="app-header">
          <Space>
            <Button type="text" icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />} onClick={() => setCollapsed(!collapsed)} aria-label={t('折叠菜单', 'Toggle menu')} />
            <span style={{ color: '#7a8194' }}>{t('城市商业银行 · 客户经营中台', 'City commercial bank · Customer operations')}</span>
          </Space>
          <Space size="middle">
            {/* Global search (Ctrl+K) and the notification centre. */}
            <GlobalSearch menu={menuEntries(items)} />
            <NotificationBell />
            <Segmented
              size="small"
              value={lang}
              onChange={(v) => setLang(v as 'zh-CN' | 'en')}
              options={[{ label: '中文', value: 'zh-CN' }, { label: 'EN', value: 'en' }]}
            />
            <Tooltip title={t('我的待办', 'My tasks')}>
              <Badge count={taskCount} size="small">
                <Button shape="circle" icon={<CheckSquareOutlined />} onClick={() => nav('/tasks')} />
              </Badge>
            </Tooltip>
            {/* Opens on click, not hover: a menu that opens as the pointer passes covers the page's own buttons. */}
            <Dropdown
              trigger={['click']}
              menu={{
                items: [
                  { key: 'roles', disabled: true, label: <span>{(user?.roles ?? []).map((r) => <Tag key={r}>{r}</Tag>)}</span> },
                  { type: 'divider' },
                  { key: 'logout', icon: <LogoutOutlined />, label: t('退出登录', 'Sign out'), onClick: () => { signOut(); nav('/login'); } },
                ],
              }}
            >
              <Space style={{ cursor: 'pointer' }} data-testid="user-menu">
                <Avatar size="small" style={{ background: '#1f5aa6' }} icon={<UserOutlined />} />
                <span>{user?.displayName || user?.username}</span>
              </Space>
            </Dropdown>
          </Space>
        </Header>
        <Content className="app-content">
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
