import { Suspense, useEffect, useMemo, useState } from 'react';
import { Loading } from '../components/common';
import { Avatar, Badge, Button, Drawer, Dropdown, Grid, Layout, Menu, Segmented, Space, Tag, Tooltip } from 'antd';
import { CheckSquareOutlined, KeyOutlined, LogoutOutlined, MenuFoldOutlined, MenuOutlined, MenuUnfoldOutlined, UserOutlined } from '@ant-design/icons';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, useAuth } from '../lib/api';
import { useOpenTasks } from '../lib/tasks';
import { useL, useLang, useT } from '../lib/i18n';
import { groupByApp, useObjects } from '../lib/meta';
import { useRights } from '../lib/rights';
import { buildMenuItems, menuPaths } from './shell/menuItems';
import { ChangeOwnPasswordModal } from './ChangePasswordForm';
import { LockOutlined } from '@ant-design/icons';
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
  // Below the md breakpoint (768 px: a phone, WeChat Work's H5 view) the menu is a drawer behind a button.
  const screens = Grid.useBreakpoint();
  const narrow = screens.md === false;
  const [drawerOpen, setDrawerOpen] = useState(false);
  useEffect(() => { setDrawerOpen(false); }, [loc.pathname, loc.search, narrow]);
  const [changingPassword, setChangingPassword] = useState(false);
  const objects = useObjects();
  // Assigned and claimable tasks alike wait for the caller.
  const taskCount = useOpenTasks(30_000).count ?? 0;
  const setUser = useAuth((s) => s.setUser);
  const me = useQuery({ queryKey: ['me', user?.id], queryFn: () => api.me(), staleTime: 300_000 });
  useEffect(() => { if (me.data) setUser(me.data); }, [me.data, setUser]);

  // Menus follow the caller's rights (pages/shell/menuItems.tsx); the server refuses the rest anyway.
  const rights = useRights();
  const items = useMemo(
    () => buildMenuItems({ rights, objects: objects.data ?? [], objectsFailed: objects.isError, taskCount, collapsed, t, l }),
    [rights, objects.data, objects.isError, taskCount, collapsed, t, l],
  );

  const selected = useMemo(() => {
    const p = loc.pathname;
    const m = p.match(/^\/records\/[^/]+/);
    if (m) return m[0];
    const known = menuPaths(objects.data ?? []);
    return known.find((k) => p.startsWith(k)) ?? p;
  }, [loc.pathname, objects.data]);

  const openKeys = useMemo(() => {
    const keys = ['g:design', 'g:admin'].filter((k) => (k === 'g:design' ? /^\/(design|instances)/ : /^\/admin/).test(loc.pathname));
    for (const g of groupByApp(objects.data ?? [])) keys.push(`app:${g.key}`);
    return keys;
  }, [loc.pathname, objects.data]);

  // The groups of the page reached open (the applications' as they load); what the user opened or closed
  // stays so — the menu is never rebuilt under a click (a late answer used to close a group just opened).
  const [open, setOpen] = useState<string[]>(openKeys);
  useEffect(() => { setOpen((cur) => [...new Set([...cur, ...openKeys])]); }, [openKeys]);

  const menu = (
    <Menu
      theme="dark"
      mode="inline"
      selectedKeys={[selected]}
      openKeys={open}
      onOpenChange={setOpen}
      items={items}
      onClick={(e) => e.key.startsWith('/') && nav(e.key)}
      data-testid="main-menu"
    />
  );
  const logo = (showName: boolean) => (
    <div className="app-logo">
      <span className="mark">客</span>
      {showName && <span>{t('银行客户管理平台', 'Bank CRM Platform')}</span>}
    </div>
  );
  const userName = user?.displayName || user?.username;
  return (
    <Layout style={{ minHeight: '100vh' }} className={narrow ? 'app-narrow' : undefined}>
      {narrow ? (
        <Drawer placement="left" open={drawerOpen} onClose={() => setDrawerOpen(false)} size={280} closable={false}
          rootClassName="app-drawer" styles={{ body: { padding: 0, background: '#001529' } }}>
          {logo(true)}
          {menu}
        </Drawer>
      ) : (
        <Sider collapsible collapsed={collapsed} trigger={null} width={224} style={{ position: 'sticky', top: 0, height: '100vh', overflow: 'auto' }} data-testid="app-sider">
          {logo(!collapsed)}
          {menu}
        </Sider>
      )}
      <Layout style={{ minWidth: 0 }}>
        <Header className="app-header">
          <Space size={narrow ? 4 : 'small'} style={{ minWidth: 0 }}>
            {narrow ? (
              <Button type="text" icon={<MenuOutlined />} onClick={() => setDrawerOpen(true)} aria-label={t('打开菜单', 'Open the menu')} data-testid="nav-toggle" />
            ) : (
              <Button type="text" icon={collapsed ? <MenuUnfoldOutlined /> : <MenuFoldOutlined />} onClick={() => setCollapsed(!collapsed)} aria-label={t('折叠菜单', 'Toggle menu')} />
            )}
            {narrow ? <span className="app-header-mark">客</span> : <span style={{ color: '#7a8194' }}>{t('城市商业银行 · 客户经营中台', 'City commercial bank · Customer operations')}</span>}
          </Space>
          <Space size={narrow ? 'small' : 'middle'}>
            {/* Global search (Ctrl+K) and the notification centre. */}
            <GlobalSearch menu={menuEntries(items)} />
            <NotificationBell />
            <Segmented
              size="small"
              value={lang}
              onChange={(v) => setLang(v as 'zh-CN' | 'en')}
              options={[{ label: narrow ? '中' : '中文', value: 'zh-CN' }, { label: 'EN', value: 'en' }]}
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
                  ...(narrow ? [{ key: 'name', disabled: true, label: <span>{userName}</span> }] : []),
                  { key: 'roles', disabled: true, label: <span data-testid="user-roles">{Object.entries(user?.roleNames ?? {}).map(([k, name]) => <Tag key={k}>{name}</Tag>)}</span> },
                  { key: 'api-keys', icon: <KeyOutlined />, label: t('我的 API 密钥', 'My API keys'), onClick: () => nav('/api-keys') },
                  { type: 'divider' },
                  { key: 'password', icon: <LockOutlined />, label: t('修改密码', 'Change password'), onClick: () => setChangingPassword(true) },
                  { key: 'logout', icon: <LogoutOutlined />, label: t('退出登录', 'Sign out'), onClick: () => { signOut(); nav('/login'); } },
                ],
              }}
            >
              <Space style={{ cursor: 'pointer' }} data-testid="user-menu">
                <Avatar size="small" style={{ background: '#1f5aa6' }} icon={<UserOutlined />} />
                {/* On a phone the name is in the menu: the header keeps its room for the page's title. */}
                {!narrow && <span>{userName}</span>}
              </Space>
            </Dropdown>
          </Space>
        </Header>
        <ChangeOwnPasswordModal open={changingPassword} onClose={() => setChangingPassword(false)} />
        <Content className="app-content">
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
    </Layout>
  );
}
