import { App as AntApp, ConfigProvider, theme } from 'antd';
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
import { HomePage } from './pages/HomePage';
import { NotFound } from './components/common';
import { ObjectListPage, ObjectDesignerPage } from './pages/objects/ObjectDesigner';
import { FormListPage } from './pages/forms/FormListPage';
import { FormDesignerPage } from './pages/forms/designer/FormDesignerPage';
import { FormFillPage } from './pages/forms/FormFillPage';
import { RecordListPage } from './pages/records/RecordListPage';
import { RecordDetailPage } from './pages/records/RecordDetailPage';
import { ProcessListPage } from './pages/process/ProcessListPage';
import { ProcessDesignerPage } from './pages/process/ProcessDesignerPage';
import { InstanceListPage, InstanceViewerPage } from './pages/process/InstanceViewerPage';
import { TaskInboxPage } from './pages/tasks/TaskInboxPage';
import { UsersPage } from './pages/admin/UsersPage';
import { RolesPage } from './pages/admin/RolesPage';
import { OrgTreePage } from './pages/admin/OrgTreePage';
import { AuditPage } from './pages/admin/AuditPage';
import { Customer360Page, CustomerPickPage } from './pages/customers/Customer360Page';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

function RequireAuth({ children }: { children: React.ReactNode }) {
  const token = useAuth((s) => s.token);
  if (!token) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <>{children}</>;
}

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
      { path: 'records/:object', element: <RecordListPage /> },
      { path: 'records/:object/new', element: <RecordDetailPage create /> },
      { path: 'records/:object/:id', element: <RecordDetailPage /> },
      { path: 'fill/:formKey', element: <FormFillPage /> },
      { path: 'customers', element: <CustomerPickPage /> },
      { path: 'customers/:id', element: <Customer360Page /> },
      { path: 'design/objects', element: <ObjectListPage /> },
      { path: 'design/objects/:object', element: <ObjectDesignerPage /> },
      { path: 'design/forms', element: <FormListPage /> },
      { path: 'design/forms/:key', element: <FormDesignerPage /> },
      { path: 'design/processes', element: <ProcessListPage /> },
      { path: 'design/processes/new', element: <ProcessDesignerPage /> },
      { path: 'design/processes/:key', element: <ProcessDesignerPage /> },
      { path: 'instances', element: <InstanceListPage /> },
      { path: 'instances/:id', element: <InstanceViewerPage /> },
      { path: 'admin/users', element: <UsersPage /> },
      { path: 'admin/roles', element: <RolesPage /> },
      { path: 'admin/org', element: <OrgTreePage /> },
      { path: 'admin/audit', element: <AuditPage /> },
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
