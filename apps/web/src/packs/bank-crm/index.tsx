/** The bank pack's web part: the customer 360° pages and their menu entry. */
import { lazy } from 'react';
import { IdcardOutlined } from '@ant-design/icons';
import type { WebPack } from '../web-pack';
import { Allowed } from '../../components/Allowed';

const Customer360Page = lazy(() => import('./Customer360Page').then((m) => ({ default: m.Customer360Page })));
const CustomerPickPage = lazy(() => import('./Customer360Page').then((m) => ({ default: m.CustomerPickPage })));

const READS_CUSTOMERS = { object: 'customer' };
const CUSTOMER_360 = { 'zh-CN': '客户360视图', en: 'Customer 360°' };

export const bankCrmWebPack: WebPack = {
  key: 'bank-crm',
  routes: [
    { path: 'customers', element: <Allowed need={READS_CUSTOMERS}><CustomerPickPage /></Allowed> },
    { path: 'customers/:id', element: <Allowed need={READS_CUSTOMERS}><Customer360Page /></Allowed> },
  ],
  menu: [{ path: '/customers', icon: <IdcardOutlined />, label: CUSTOMER_360, need: READS_CUSTOMERS }],
  // Customer-like objects (the pack's own, or one a designer named so) open in the 360° view.
  recordLinks: [{ appliesTo: (key) => /customer|^kh$|client/.test(key), to: (id) => `/customers/${id}`, icon: <IdcardOutlined />, label: CUSTOMER_360 }],
};
