/** The demo bank's org tree, roles and users (demo mode only). */
export interface DemoUnit {
  code: string;
  name: string;
  kind: 'head_office' | 'branch' | 'sub_branch' | 'team' | 'department';
  parent?: string;
}

export const DEMO_UNITS: DemoUnit[] = [
  { code: 'HO', name: '总行', kind: 'head_office' },
  { code: 'HO-IT', name: '信息科技部', kind: 'department', parent: 'HO' },
  { code: 'HO-RISK', name: '风险合规部', kind: 'department', parent: 'HO' },
  { code: 'HO-AUDIT', name: '审计部', kind: 'department', parent: 'HO' },
  { code: 'HO-CREDIT', name: '授信审批部', kind: 'department', parent: 'HO' },
  { code: 'SH', name: '上海分行', kind: 'branch', parent: 'HO' },
  { code: 'SH-PD', name: '浦东支行', kind: 'sub_branch', parent: 'SH' },
  { code: 'SH-PD-T1', name: '浦东支行零售一组', kind: 'team', parent: 'SH-PD' },
  { code: 'SH-PD-T2', name: '浦东支行零售二组', kind: 'team', parent: 'SH-PD' },
  { code: 'SH-JA', name: '静安支行', kind: 'sub_branch', parent: 'SH' },
  { code: 'SH-JA-T1', name: '静安支行对公组', kind: 'team', parent: 'SH-JA' },
  { code: 'HZ', name: '杭州分行', kind: 'branch', parent: 'HO' },
  { code: 'HZ-XH', name: '西湖支行', kind: 'sub_branch', parent: 'HZ' },
  { code: 'HZ-XH-T1', name: '西湖支行零售组', kind: 'team', parent: 'HZ-XH' },
];

export interface DemoRole {
  key: string;
  name: string;
  description: string;
  platform: string[];
  /** Object permissions; the bank-crm template adds the ones for its own objects. */
  permissions?: unknown[];
}

/** Separation of duties: the administrator cannot read the audit trail, the auditor cannot change anything. */
export const DEMO_ROLES: DemoRole[] = [
  { key: 'admin', name: '系统管理员', description: '管理用户、机构与 API 密钥；不能查看或修改审计日志', platform: ['admin.users', 'admin.org', 'process.admin'] },
  { key: 'security', name: '安全管理员', description: '定义角色与授权（字段、行范围、脱敏）', platform: ['admin.roles'] },
  { key: 'analyst', name: '业务分析师', description: '设计对象、表单、流程与视图', platform: ['designer', 'process.start', 'marketing.manage'],
    // Analysts try out what they design: every object, but only the records they created themselves.
    permissions: [{ object: '*', actions: ['create', 'read', 'update', 'delete'], scope: 'own' }] },
  { key: 'manager', name: '支行行长', description: '审批、查看本支行客户与团队工作', platform: ['process.start'] },
  { key: 'rm', name: '客户经理', description: '维护本团队客户，处理待办任务', platform: ['process.start'] },
  { key: 'compliance', name: '合规专员', description: 'KYC/反洗钱复核，可查看敏感信息明文（留痕）', platform: ['process.start'] },
  { key: 'auditor', name: '审计员', description: '只读查看审计日志并校验其完整性', platform: ['audit.read', 'audit.verify'] },
];

export const DEMO_USERS: { username: string; displayName: string; unit: string; roles: string[] }[] = [
  { username: 'admin', displayName: '王管理', unit: 'HO-IT', roles: ['admin'] },
  { username: 'security', displayName: '赵安全', unit: 'HO-IT', roles: ['security'] },
  { username: 'analyst', displayName: '钱分析', unit: 'HO-IT', roles: ['analyst'] },
  { username: 'manager', displayName: '孙行长', unit: 'SH-PD', roles: ['manager'] },
  { username: 'rm', displayName: '李经理', unit: 'SH-PD-T1', roles: ['rm'] },
  { username: 'compliance', displayName: '周合规', unit: 'HO-RISK', roles: ['compliance'] },
  { username: 'auditor', displayName: '吴审计', unit: 'HO-AUDIT', roles: ['auditor'] },
];

export const DEMO_PASSWORD = 'Demo@2026';
