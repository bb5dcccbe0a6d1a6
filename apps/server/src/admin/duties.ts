/**
 * The three separated duties (等保 three-administrator model): user administration, authorisation and
 * audit. No role, and no user through their roles, may hold rights of two of them; service accounts
 * hold none; granting the authorisation or audit duty (or clear reading of sensitive data), or resetting
 * the password of its holder, needs a second person of another duty (admin.service.ts).
 */
import { AppError } from '../common/app-error.js';

export type Duty = 'users' | 'roles' | 'audit';

const DUTY_OF: Record<string, Duty> = {
  'admin.users': 'users',
  'admin.org': 'users',
  'admin.roles': 'roles',
  'audit.read': 'audit',
  'audit.verify': 'audit',
};

const DUTY_NAME: Record<Duty, { 'zh-CN': string; en: string }> = {
  users: { 'zh-CN': '用户管理', en: 'user administration' },
  roles: { 'zh-CN': '授权管理', en: 'authorisation' },
  audit: { 'zh-CN': '审计', en: 'audit' },
};

/** Duties whose holders are protected by four-eyes: they reach permissions and the audit trail. */
export const GUARDED_DUTIES: readonly Duty[] = ['roles', 'audit'];

export function dutiesOf(rights: Iterable<string>): Set<Duty> {
  const out = new Set<Duty>();
  for (const r of rights) if (DUTY_OF[r]) out.add(DUTY_OF[r]);
  return out;
}

export function assertOneDuty(rights: Iterable<string>): void {
  const duties = [...dutiesOf(rights)];
  if (duties.length > 1) {
    const list = duties.map((d) => DUTY_NAME[d]);
    throw new AppError(400, 'admin.duty_conflict', { duties: list.map((d) => d['zh-CN']).join('、') }, (lang) =>
      [{ path: '/roles', code: 'duty_conflict', message: list.map((d) => d[lang]).join(' + ') }]);
  }
}

/** A service account is a system, not an administrator: it may hold no duty at all. */
export function assertNoDuty(rights: Iterable<string>): void {
  const duties = [...dutiesOf(rights)];
  if (duties.length) {
    throw new AppError(400, 'admin.service_account_duty', { duties: duties.map((d) => DUTY_NAME[d]['zh-CN']).join('、') }, (lang) =>
      [{ path: '/roles', code: 'service_account_duty', message: duties.map((d) => DUTY_NAME[d][lang]).join(' + ') }]);
  }
}
