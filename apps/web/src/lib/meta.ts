import { useQuery } from '@tanstack/react-query';
import type { ObjectDefinition } from '@crm/shared';
import { api } from './api';

export function useObjects() {
  return useQuery({ queryKey: ['meta', 'objects'], queryFn: () => api.meta.listObjects() });
}

export function useObject(key: string | undefined) {
  return useQuery({ queryKey: ['meta', 'object', key], queryFn: () => api.meta.getObject(key!), enabled: !!key });
}

export function appOf(o: ObjectDefinition): { key: string; label: unknown } {
  const app = o.app;
  if (!app) return { key: '_default', label: { 'zh-CN': '业务数据', en: 'Business data' } };
  return { key: app, label: APP_LABELS[app] ?? app };
}

const APP_LABELS: Record<string, { 'zh-CN': string; en: string }> = {
  crm: { 'zh-CN': '客户管理', en: 'Customers' },
  'bank-crm': { 'zh-CN': '银行客户管理', en: 'Bank CRM' },
  bank_crm: { 'zh-CN': '银行客户管理', en: 'Bank CRM' },
  customer: { 'zh-CN': '客户管理', en: 'Customers' },
  sales: { 'zh-CN': '营销管理', en: 'Sales' },
  marketing: { 'zh-CN': '营销活动', en: 'Marketing' },
  service: { 'zh-CN': '客户服务', en: 'Service' },
  risk: { 'zh-CN': '风险合规', en: 'Risk & compliance' },
  compliance: { 'zh-CN': '风险合规', en: 'Risk & compliance' },
};

/** Objects grouped by the application they belong to, in a stable order. */
export function groupByApp(objects: ObjectDefinition[]) {
  const groups = new Map<string, { key: string; label: unknown; objects: ObjectDefinition[] }>();
  for (const o of objects) {
    const a = appOf(o);
    if (!groups.has(a.key)) groups.set(a.key, { ...a, objects: [] });
    groups.get(a.key)!.objects.push(o);
  }
  return [...groups.values()];
}
