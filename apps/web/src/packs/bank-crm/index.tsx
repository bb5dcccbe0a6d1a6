/** The bank pack's web part: the customer 360° pages, segments and guarantee circles, and their menu entries. */
import { lazy } from 'react';
import { ClusterOutlined, IdcardOutlined, TeamOutlined } from '@ant-design/icons';
import type { WebPack } from '../web-pack';
import { Allowed } from '../../components/Allowed';

const Customer360Page = lazy(() => import('./Customer360Page').then((m) => ({ default: m.Customer360Page })));
const CustomerPickPage = lazy(() => import('./Customer360Page').then((m) => ({ default: m.CustomerPickPage })));
const SegmentListPage = lazy(() => import('./SegmentsPage').then((m) => ({ default: m.SegmentListPage })));
const SegmentPage = lazy(() => import('./SegmentsPage').then((m) => ({ default: m.SegmentPage })));
const GuaranteeCirclesPage = lazy(() => import('./GuaranteeCirclesPage').then((m) => ({ default: m.GuaranteeCirclesPage })));

const READS_CUSTOMERS = { object: 'customer' };
const READS_SEGMENTS = { object: 'segment' };
const CUSTOMER_360 = { 'zh-CN': '客户360视图', en: 'Customer 360°' };

export const bankCrmWebPack: WebPack = {
  key: 'bank-crm',
  routes: [
    { path: 'customers', element: <Allowed need={READS_CUSTOMERS}><CustomerPickPage /></Allowed> },
    { path: 'customers/:id', element: <Allowed need={READS_CUSTOMERS}><Customer360Page /></Allowed> },
    // The server reads segments as records of the pack's segment object, circles as customers.
    { path: 'segments', element: <Allowed need={READS_SEGMENTS}><SegmentListPage /></Allowed> },
    { path: 'segments/:code', element: <Allowed need={READS_SEGMENTS}><SegmentPage /></Allowed> },
    { path: 'guarantee-circles', element: <Allowed need={READS_CUSTOMERS}><GuaranteeCirclesPage /></Allowed> },
  ],
  menu: [
    { path: '/customers', icon: <IdcardOutlined />, label: CUSTOMER_360, need: READS_CUSTOMERS },
    { path: '/segments', icon: <TeamOutlined />, label: { 'zh-CN': '客群', en: 'Segments' }, need: READS_SEGMENTS },
    { path: '/guarantee-circles', icon: <ClusterOutlined />, label: { 'zh-CN': '担保圈', en: 'Guarantee circles' }, need: READS_CUSTOMERS },
  ],
  // Customer-like objects (the pack's own, or one a designer named so) open in the 360° view.
  recordLinks: [{ appliesTo: (key) => /customer|^kh$|client/.test(key), to: (id) => `/customers/${id}`, icon: <IdcardOutlined />, label: CUSTOMER_360 }],
};
