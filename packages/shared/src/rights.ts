/**
 * The platform rights a role may grant, in one list: the server checks them (`@RequireRight`), the
 * role editor offers every one of them, and the OpenAPI document names them.
 */
export const PLATFORM_RIGHTS = [
  'designer', 'admin.users', 'admin.roles', 'admin.org', 'audit.read', 'audit.verify', 'process.start', 'process.admin', 'webhooks.manage', 'privacy', 'marketing.manage', 'events.post',
] as const;

export type PlatformRight = (typeof PLATFORM_RIGHTS)[number];

/** What each right lets its holder do, for the role editor (a right without a label fails to compile). */
export const PLATFORM_RIGHT_LABELS: Record<PlatformRight, { 'zh-CN': string; en: string }> = {
  designer: { 'zh-CN': '设计（对象、表单、流程部署）', en: 'Designer (metadata, forms, deploy)' },
  'admin.users': { 'zh-CN': '用户管理', en: 'Manage users' },
  'admin.roles': { 'zh-CN': '角色管理', en: 'Manage roles' },
  'admin.org': { 'zh-CN': '机构管理', en: 'Manage org units' },
  'audit.read': { 'zh-CN': '查看审计', en: 'Read audit' },
  'audit.verify': { 'zh-CN': '审计校验', en: 'Verify audit' },
  'process.start': { 'zh-CN': '发起流程（含客群批量发起）', en: 'Start processes (incl. per segment)' },
  'process.admin': { 'zh-CN': '流程管理', en: 'Process admin' },
  'webhooks.manage': { 'zh-CN': 'Webhook 订阅管理', en: 'Manage webhooks' },
  privacy: { 'zh-CN': '个人信息权利（PIPL）请求处理', en: 'Personal-information rights (PIPL) requests' },
  'marketing.manage': { 'zh-CN': '营销活动策划、发布与触达设置', en: 'Plan and launch campaigns, contact settings' },
  'events.post': { 'zh-CN': '推送业务事件（渠道与核心系统）', en: 'Post business events (channels, core systems)' },
};

export const OBJECT_ACTIONS = ['create', 'read', 'update', 'delete', 'export'] as const;
export type ObjectAction = (typeof OBJECT_ACTIONS)[number];
