/** The bank pack's web part: the customer 360° pages, segments and guarantee circles, and their menu entries. */
import { lazy } from 'react';
import { ClusterOutlined, IdcardOutlined, TeamOutlined } from '@ant-design/icons';
import type { WebPack } from '../web-pack';

const Customer360Page = lazy(() => import('./Customer360Page').then((m) => ({ default: m.Customer360Page })));
const CustomerPickPage = lazy(() => import('./Customer360Page').then((m) => ({ default: m.CustomerPickPage })));
const SegmentListPage = lazy(() => import('./SegmentsPage').then((m) => ({ default: m.SegmentListPage })));
const SegmentPage = lazy(() => import('./SegmentsPage').then((m) => ({ default: m.SegmentPage })));
const GuaranteeCirclesPage = lazy(() => import('./GuaranteeCirclesPage').then((m) => ({ default: m.GuaranteeCirclesPage })));

const CUSTOMER_360 = { 'zh-CN': '客户360视图', en: 'Customer 360°' };

export const bankCrmWebPack: WebPack = {
  key: 'bank-crm',
  routes: [
    { path: 'customers', element: <CustomerPickPage /> },
    { path: 'customers/:id', element: <Customer360Page /> },
    { path: 'segments', element: <SegmentListPage /> },
    { path: 'segments/:code', element: <SegmentPage /> },
    { path: 'guarantee-circles', element: <GuaranteeCirclesPage /> },
  ],
  menu: [
    { path: '/customers', icon: <IdcardOutlined />, label: CUSTOMER_360 },
    // The server reads segments as records of the pack's segment object, circles as customers.
    { path: '/segments', icon: <TeamOutlined />, label: { 'zh-CN': '客群', en: 'Segments' }, requires: { object: { key: 'segment', action: 'read' } } },
    { path: '/guarantee-circles', icon: <ClusterOutlined />, label: { 'zh-CN': '担保圈', en: 'Guarantee circles' }, requires: { object: { key: 'customer', action: 'read' } } },
  ],
  // Customer-like objects (the pack's own, or one a designer named so) open in the 360° view.
  recordLinks: [{ appliesTo: (key) => /customer|^kh$|client/.test(key), to: (id) => `/customers/${id}`, icon: <IdcardOutlined />, label: CUSTOMER_360 }],
};
