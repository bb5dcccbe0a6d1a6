import { lazy } from 'react';
import { App as AntApp, ConfigProvider, Spin, theme } from 'antd';
import zhCN from 'antd/locale/zh_CN';
import enUS from 'antd/locale/en_US';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, RouterProvider } from 'react-router';
import { ApiError } from '@crm/shared';
import { useLang } from './lib/i18n';
import { useAuth } from './lib/api';
import { AppShell } from './pages/AppShell';
import { LoginPage } from './pages/LoginPage';
import { NotFound } from './components/common';
import { Allowed, ObjectAllowed } from './components/Allowed';
import type { Need } from './lib/rights';
import { campaignsNeed } from './pages/shell/menuItems';
import { webPacks } from './packs/registry';

// Screens load on first visit: the modeler, the charts and the designers stay out of the first download.
const HomePage = lazy(() => import('./pages/HomePage').then((m) => ({ default: m.HomePage })));
const ObjectListPage = lazy(() => import('./pages/objects/ObjectDesigner').then((m) => ({ default: m.ObjectListPage })));
const ObjectDesignerPage = lazy(() => import('./pages/objects/ObjectDesigner').then((m) => ({ default: m.ObjectDesignerPage })));
const FormListPage = lazy(() => import('./pages/forms/FormListPage').then((m) => ({ default: m.FormListPage })));
const FormDesignerPage = lazy(() => import('./pages/forms/designer/FormDesignerPage').then((m) => ({ default: m.FormDesignerPage })));
const FormFillPage = lazy(() => import('./pages/forms/FormFillPage').then((m) => ({ default: m.FormFillPage })));
const RecordListPage = lazy(() => import('./pages/records/RecordListPage').then((m) => ({ default: m.RecordListPage })));
const RecordDetailPage = lazy(() => import('./pages/records/RecordDetailPage').then((m) => ({ default: m.RecordDetailPage })));
const ProcessListPage = lazy(() => import('./pages/process/ProcessListPage').then((m) => ({ default: m.ProcessListPage })));
const ProcessDesignerPage = lazy(() => import('./pages/process/ProcessDesignerPage').then((m) => ({ default: m.ProcessDesignerPage })));
const InstanceListPage = lazy(() => import('./pages/process/InstanceViewerPage').then((m) => ({ default: m.InstanceListPage })));
const InstanceViewerPage = lazy(() => import('./pages/process/InstanceViewerPage').then((m) => ({ default: m.InstanceViewerPage })));
const TaskInboxPage = lazy(() => import('./pages/tasks/TaskInboxPage').then((m) => ({ default: m.TaskInboxPage })));
const UsersPage = lazy(() => import('./pages/admin/UsersPage').then((m) => ({ default: m.UsersPage })));
const RolesPage = lazy(() => import('./pages/admin/RolesPage').then((m) => ({ default: m.RolesPage })));
const OrgTreePage = lazy(() => import('./pages/admin/OrgTreePage').then((m) => ({ default: m.OrgTreePage })));
const ReportListPage = lazy(() => import('./pages/reports/ReportListPage').then((m) => ({ default: m.ReportListPage })));
const ReportDesignerPage = lazy(() => import('./pages/reports/ReportDesignerPage').then((m) => ({ default: m.ReportDesignerPage })));
const ReportViewerPage = lazy(() => import('./pages/reports/ReportViewerPage').then((m) => ({ default: m.ReportViewerPage })));
const DashboardListPage = lazy(() => import('./pages/dashboards/DashboardPages').then((m) => ({ default: m.DashboardListPage })));
const DashboardViewerPage = lazy(() => import('./pages/dashboards/DashboardPages').then((m) => ({ default: m.DashboardViewerPage })));
const DashboardDesignerPage = lazy(() => import('./pages/dashboards/DashboardPages').then((m) => ({ default: m.DashboardDesignerPage })));
const WebhooksPage = lazy(() => import('./pages/admin/WebhooksPage').then((m) => ({ default: m.WebhooksPage })));
const ConnectorsPage = lazy(() => import('./pages/admin/ConnectorsPage').then((m) => ({ default: m.ConnectorsPage })));
const SsoSettingsPage = lazy(() => import('./pages/admin/SsoSettingsPage').then((m) => ({ default: m.SsoSettingsPage })));
const PrivacyListPage = lazy(() => import('./pages/privacy/PrivacyPages').then((m) => ({ default: m.PrivacyListPage })));
const PrivacyDetailPage = lazy(() => import('./pages/privacy/PrivacyPages').then((m) => ({ default: m.PrivacyDetailPage })));
const CampaignListPage = lazy(() => import('./pages/marketing/CampaignPages').then((m) => ({ default: m.CampaignListPage })));
const CampaignPlanPage = lazy(() => import('./pages/marketing/CampaignPages').then((m) => ({ default: m.CampaignPlanPage })));
const CampaignPage = lazy(() => import('./pages/marketing/CampaignPages').then((m) => ({ default: m.CampaignPage })));
const JourneyListPage = lazy(() => import('./pages/marketing/JourneysPage').then((m) => ({ default: m.JourneyListPage })));
const JourneyDetailPage = lazy(() => import('./pages/marketing/JourneysPage').then((m) => ({ default: m.JourneyDetailPage })));
const PacksPage = lazy(() => import('./pages/admin/PacksPage').then((m) => ({ default: m.PacksPage })));
const IncidentsPage = lazy(() => import('./pages/admin/IncidentsPage').then((m) => ({ default: m.IncidentsPage })));
const ApiKeysPage = lazy(() => import('./pages/admin/ApiKeysPage').then((m) => ({ default: m.ApiKeysPage })));
const DecisionListPage = lazy(() => import('./pages/process/DecisionListPage').then((m) => ({ default: m.DecisionListPage })));
const DecisionEditorPage = lazy(() => import('./pages/process/DecisionEditorPage').then((m) => ({ default: m.DecisionEditorPage })));
const ModelListPage = lazy(() => import('./pages/insight/ModelPages').then((m) => ({ default: m.ModelListPage })));
const ModelDesignerPage = lazy(() => import('./pages/insight/ModelPages').then((m) => ({ default: m.ModelDesignerPage })));
const AuditPage = lazy(() => import('./pages/admin/AuditPage').then((m) => ({ default: m.AuditPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

// Answers fetched for one user are never shown to the next one signing in on the same tab.
useAuth.subscribe((now, before) => {
  if (now.user?.id !== before.user?.id) queryClient.clear();
});

function RequireAuth({ children }: { children: React.ReactNode }) {
  const token = useAuth((s) => s.token);
  // A page load: the session cookie is being tried before the app decides the user is signed out.
  const restoring = useAuth((s) => s.restoring);
  if (!token && restoring) return <Spin style={{ display: 'block', marginTop: 120 }} />;
  if (!token) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

/** A page only for users whose rights meet `need` (others see a "no permission" page). */
const only = (need: Need, page: React.ReactNode) => <Allowed need={need}>{page}</Allowed>;
const DESIGNER: Need = { right: 'designer' };

const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  {
    path: '/',
    element: (
      <RequireAuth>
        <AppShell />
      </RequireAuth>
    ),
    children: [
      { index: true, element: <HomePage /> },
      { path: 'tasks', element: <TaskInboxPage /> },
      { path: 'records/:object', element: <ObjectAllowed><RecordListPage /></ObjectAllowed> },
      { path: 'records/:object/new', element: <ObjectAllowed action="create"><RecordDetailPage create /></ObjectAllowed> },
      { path: 'records/:object/:id', element: <ObjectAllowed><RecordDetailPage /></ObjectAllowed> },
      { path: 'fill/:formKey', element: <FormFillPage /> },
      ...webPacks().flatMap((p) => p.routes),
      { path: 'campaigns', element: only(campaignsNeed, <CampaignListPage />) },
      { path: 'campaigns/new', element: only({ right: 'marketing.manage' }, <CampaignPlanPage />) },
      { path: 'campaigns/:id', element: only(campaignsNeed, <CampaignPage />) },
      { path: 'design/models', element: only(DESIGNER, <ModelListPage />) },
      { path: 'design/models/:key', element: only(DESIGNER, <ModelDesignerPage />) },
      { path: 'marketing/journeys', element: only(DESIGNER, <JourneyListPage />) },
      { path: 'marketing/journeys/:key', element: only(DESIGNER, <JourneyDetailPage />) },
      { path: 'reports', element: <ReportListPage /> },
      { path: 'reports/new', element: only(DESIGNER, <ReportDesignerPage />) },
      { path: 'reports/:key', element: <ReportViewerPage /> },
      { path: 'reports/:key/edit', element: only(DESIGNER, <ReportDesignerPage />) },
      { path: 'dashboards', element: <DashboardListPage /> },
      { path: 'dashboards/new', element: only(DESIGNER, <DashboardDesignerPage />) },
      { path: 'dashboards/:key', element: <DashboardViewerPage /> },
      { path: 'dashboards/:key/edit', element: only(DESIGNER, <DashboardDesignerPage />) },
      { path: 'design/objects', element: only(DESIGNER, <ObjectListPage />) },
      { path: 'design/objects/:object', element: only(DESIGNER, <ObjectDesignerPage />) },
      { path: 'design/forms', element: only(DESIGNER, <FormListPage />) },
      { path: 'design/forms/:key', element: only(DESIGNER, <FormDesignerPage />) },
      { path: 'design/processes', element: only(DESIGNER, <ProcessListPage />) },
      { path: 'design/processes/new', element: only(DESIGNER, <ProcessDesignerPage />) },
      { path: 'design/processes/:key', element: only(DESIGNER, <ProcessDesignerPage />) },
      { path: 'design/decisions', element: only(DESIGNER, <DecisionListPage />) },
      { path: 'design/decisions/new', element: only(DESIGNER, <DecisionEditorPage />) },
      { path: 'design/decisions/:key', element: only(DESIGNER, <DecisionEditorPage />) },
      { path: 'instances', element: only({ right: ['designer', 'process.admin'] }, <InstanceListPage />) },
      { path: 'instances/:id', element: <InstanceViewerPage /> },
      { path: 'admin/users', element: only({ right: 'admin.users' }, <UsersPage />) },
      { path: 'admin/roles', element: only({ right: ['admin.roles', 'admin.users'] }, <RolesPage />) },
      { path: 'admin/org', element: only({ right: ['admin.org', 'admin.users'] }, <OrgTreePage />) },
      { path: 'admin/audit', element: only({ right: 'audit.read' }, <AuditPage />) },
      { path: 'admin/webhooks', element: only({ right: 'webhooks.manage' }, <WebhooksPage />) },
      { path: 'admin/connectors', element: only(DESIGNER, <ConnectorsPage />) },
      { path: 'admin/sso', element: only({ right: 'admin.roles' }, <SsoSettingsPage />) },
      { path: 'admin/packs', element: only(DESIGNER, <PacksPage />) },
      { path: 'admin/incidents', element: only({ right: 'process.admin' }, <IncidentsPage />) },
      { path: 'api-keys', element: <ApiKeysPage /> },
      { path: 'privacy', element: only({ right: 'privacy' }, <PrivacyListPage />) },
      { path: 'privacy/:id', element: only({ right: 'privacy' }, <PrivacyDetailPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  const lang = useLang((s) => s.lang);
  dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  return (
    <ConfigProvider
      locale={lang === 'en' ? enUS : zhCN}
      theme={{
        algorithm: theme.defaultAlgorithm,
        token: { colorPrimary: '#1f5aa6', colorLink: '#1f5aa6', borderRadius: 6, fontFamily: "-apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif" },
        components: { Layout: { siderBg: '#1f2633', headerBg: '#ffffff' }, Menu: { darkItemBg: '#1f2633', darkSubMenuItemBg: '#181e29' } },
      }}
    >
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
