/**
 * The main menu: one list of entries, each with the rights it needs (lib/rights.ts). An entry the user
 * may not use is left out, a group left empty disappears. New screens add an entry here (and the same
 * requirement on their route in App.tsx, see `routeNeeds`).
 */
import type { ReactNode } from 'react';
import { Badge, type MenuProps } from 'antd';
import {
  ApartmentOutlined, ApiOutlined, AppstoreOutlined, AuditOutlined, BarChartOutlined, BranchesOutlined, CheckSquareOutlined,
  DashboardOutlined, DatabaseOutlined, ExperimentOutlined, FolderOutlined, FormOutlined, FundOutlined, NodeIndexOutlined, NotificationOutlined,
  KeyOutlined, LinkOutlined, LoginOutlined, PieChartOutlined, SafetyCertificateOutlined, SafetyOutlined, SettingOutlined, TableOutlined, TeamOutlined, ToolOutlined, WarningOutlined,
} from '@ant-design/icons';
import type { ObjectDefinition } from '@crm/shared';
import { groupByApp } from '../../lib/meta';
import { meets, type Need, type Rights } from '../../lib/rights';
import { packMenu } from '../../packs/registry';

type Label = { 'zh-CN': string; en: string };
type MenuItem = NonNullable<MenuProps['items']>[number];

export interface MenuEntry {
  /** A path (the entry opens it) or, for a group, a key starting with `g:`. */
  key: string;
  label: Label;
  icon?: ReactNode;
  /** What the user must hold to see the entry (none: every signed-in user). */
  need?: Need;
  children?: MenuEntry[];
}

/** Planners see every campaign; others the campaigns of the customers they may read. */
export const campaignsNeed: Need = (r) => r.has('marketing.manage') || r.can('customer', 'read');

/** Reading any object at all (reports and dashboards are about records). */
const readsSomething = (r: Rights, objects: readonly ObjectDefinition[]) => r.has('designer') || objects.some((o) => r.can(o.key, 'read'));

/** The fixed entries after the applications, in menu order. */
export function staticEntries(objects: readonly ObjectDefinition[]): MenuEntry[] {
  return [
    { key: '/privacy', icon: <SafetyCertificateOutlined />, label: { 'zh-CN': '个人信息权利', en: 'Personal-information rights' }, need: { right: 'privacy' } },
    { key: '/campaigns', icon: <NotificationOutlined />, label: { 'zh-CN': '营销活动', en: 'Campaigns' }, need: campaignsNeed },
    { key: '/reports', icon: <PieChartOutlined />, label: { 'zh-CN': '报表', en: 'Reports' }, need: (r) => readsSomething(r, objects) },
    { key: '/dashboards', icon: <FundOutlined />, label: { 'zh-CN': '仪表板', en: 'Dashboards' }, need: (r) => readsSomething(r, objects) },
    {
      key: 'g:design', icon: <ToolOutlined />, label: { 'zh-CN': '设计中心', en: 'Design studio' },
      children: [
        { key: '/design/objects', icon: <DatabaseOutlined />, label: { 'zh-CN': '对象设计', en: 'Objects' }, need: { right: 'designer' } },
        { key: '/design/forms', icon: <FormOutlined />, label: { 'zh-CN': '表单设计', en: 'Forms' }, need: { right: 'designer' } },
        { key: '/design/processes', icon: <BranchesOutlined />, label: { 'zh-CN': '流程设计', en: 'Processes' }, need: { right: 'designer' } },
        { key: '/design/decisions', icon: <TableOutlined />, label: { 'zh-CN': '决策表', en: 'Decision tables' }, need: { right: 'designer' } },
        { key: '/reports/new', icon: <BarChartOutlined />, label: { 'zh-CN': '报表设计', en: 'Report designer' }, need: { right: 'designer' } },
        { key: '/design/models', icon: <ExperimentOutlined />, label: { 'zh-CN': '智能模型', en: 'Insight models' }, need: { right: 'designer' } },
        { key: '/marketing/journeys', icon: <NodeIndexOutlined />, label: { 'zh-CN': '客户旅程', en: 'Journeys' }, need: { right: 'designer' } },
        { key: '/instances', icon: <NodeIndexOutlined />, label: { 'zh-CN': '流程实例', en: 'Process instances' }, need: { right: ['designer', 'process.admin'] } },
      ],
    },
    {
      key: 'g:admin', icon: <SettingOutlined />, label: { 'zh-CN': '系统管理', en: 'Administration' },
      children: [
        { key: '/admin/users', icon: <TeamOutlined />, label: { 'zh-CN': '用户管理', en: 'Users' }, need: { right: 'admin.users' } },
        { key: '/admin/roles', icon: <SafetyOutlined />, label: { 'zh-CN': '角色权限', en: 'Roles & permissions' }, need: { right: 'admin.roles' } },
        { key: '/admin/org', icon: <ApartmentOutlined />, label: { 'zh-CN': '组织机构', en: 'Org units' }, need: { right: ['admin.org', 'admin.users'] } },
        { key: '/admin/audit', icon: <AuditOutlined />, label: { 'zh-CN': '审计日志', en: 'Audit trail' }, need: { right: 'audit.read' } },
        { key: '/admin/webhooks', icon: <ApiOutlined />, label: { 'zh-CN': 'Webhook 订阅', en: 'Webhooks' }, need: { right: 'webhooks.manage' } },
        { key: '/admin/connectors', icon: <LinkOutlined />, label: { 'zh-CN': '连接器', en: 'Connectors' }, need: { right: 'designer' } },
        { key: '/admin/sso', icon: <LoginOutlined />, label: { 'zh-CN': '统一身份认证', en: 'Single sign-on' }, need: { right: 'admin.roles' } },
        { key: '/admin/packs', icon: <AppstoreOutlined />, label: { 'zh-CN': '解决方案包', en: 'Solution packs' }, need: { right: 'designer' } },
        { key: '/admin/incidents', icon: <WarningOutlined />, label: { 'zh-CN': '流程异常', en: 'Incidents' }, need: { right: 'process.admin' } },
        // Everyone reaches their own keys from the user menu; administrators see every key here.
        { key: '/api-keys', icon: <KeyOutlined />, label: { 'zh-CN': 'API 密钥', en: 'API keys' }, need: { right: 'admin.users' } },
      ],
    },
  ];
}

/** The entries the user may use (groups without any child left out). */
export function visibleEntries(entries: MenuEntry[], r: Rights): MenuEntry[] {
  return entries.flatMap((e) => {
    if (!meets(r, e.need)) return [];
    if (!e.children) return [e];
    const children = visibleEntries(e.children, r);
    return children.length ? [{ ...e, children }] : [];
  });
}

/** The paths of the menu, longest first: the one a page's path starts with keeps its entry selected. */
export function menuPaths(objects: readonly ObjectDefinition[]): string[] {
  const paths = (es: MenuEntry[]): string[] => es.flatMap((e) => (e.children ? paths(e.children) : e.key.startsWith('/') ? [e.key] : []));
  return [...paths(staticEntries(objects)), '/tasks', ...packMenu().map((m) => m.path)].sort((a, b) => b.length - a.length);
}

export interface MenuInput {
  rights: Rights;
  objects: readonly ObjectDefinition[];
  objectsFailed: boolean;
  taskCount: number;
  collapsed: boolean;
  t: (zh: string, en: string) => string;
  l: (label: unknown, fallback?: string) => string;
}

/** The antd menu items for the user. */
export function buildMenuItems({ rights, objects, objectsFailed, taskCount, collapsed, t, l }: MenuInput): MenuItem[] {
  const tl = (x: Label) => t(x['zh-CN'], x.en);
  const toItem = (e: MenuEntry): MenuItem => (e.children ? { key: e.key, icon: e.icon, label: tl(e.label), children: e.children.map(toItem) } : { key: e.key, icon: e.icon, label: tl(e.label) });
  // Only the objects the user may read: the others would open a page the server refuses.
  const readable = objects.filter((o) => rights.can(o.key, 'read'));
  const apps = groupByApp([...readable]).map((g) => ({
    key: `app:${g.key}`,
    icon: <FolderOutlined />,
    label: l(g.label),
    children: g.objects.map((o) => ({ key: `/records/${o.key}`, label: l(o.label, o.key) })),
  }));
  const packs = packMenu().filter((m) => meets(rights, m.need));
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
    ...packs.map((m) => ({ key: m.path, icon: m.icon, label: tl(m.label) })),
    ...(apps.length
      ? [{ type: 'group' as const, key: 'g:apps', label: collapsed ? '' : t('业务应用', 'Applications'), children: apps }]
      : objectsFailed || !rights.ready
        ? [{ key: 'app:none', icon: <AppstoreOutlined />, label: objectsFailed ? t('元数据加载失败', 'Metadata failed to load') : t('加载中…', 'Loading…'), disabled: true }]
        : []),
    ...visibleEntries(staticEntries(objects), rights).map(toItem),
  ];
}
