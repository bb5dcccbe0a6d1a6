/**
 * Messages of the platform's own errors in zh-CN (default) and en. A code not in the catalogue
 * falls back to a generic message, so a new error can never leak an internal text.
 */
export type Lang = 'zh-CN' | 'en';

const catalogue: Record<string, { 'zh-CN': string; en: string }> = {
  'common.not_found': { 'zh-CN': '请求的资源不存在', en: 'The requested resource does not exist' },
  'common.route_not_found': { 'zh-CN': '接口不存在：{method} {path}', en: 'No such route: {method} {path}' },
  'common.bad_request': { 'zh-CN': '请求无效', en: 'Bad request' },
  'common.invalid_json': { 'zh-CN': '请求体不是有效的 JSON', en: 'The request body is not valid JSON' },
  'common.payload_too_large': { 'zh-CN': '请求体过大', en: 'The request body is too large' },
  'common.unsupported_media_type': { 'zh-CN': '不支持的内容类型', en: 'Unsupported content type' },
  'common.validation_failed': { 'zh-CN': '输入校验未通过', en: 'The input is not valid' },
  'common.weak_password': { 'zh-CN': '密码至少 8 位，且包含大写字母、小写字母、数字和符号', en: 'At least 8 characters with upper and lower case, a digit and a symbol' },
  'common.internal': { 'zh-CN': '服务器内部错误，请联系管理员（请求编号 {requestId}）', en: 'Internal server error; contact the administrator (request {requestId})' },
  'common.conflict': { 'zh-CN': '数据冲突', en: 'Conflict' },
  'common.forbidden': { 'zh-CN': '无权执行此操作', en: 'You are not allowed to do this' },
  'common.too_many_requests': { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests; try again later' },
  'common.timeout': { 'zh-CN': '查询超时，请缩小查询范围', en: 'The query took too long; narrow it down' },
  'auth.unauthenticated': { 'zh-CN': '请先登录', en: 'Authentication required' },
  'auth.invalid_token': { 'zh-CN': '登录已失效，请重新登录', en: 'Your session is invalid or has expired; sign in again' },
  'auth.invalid_credentials': { 'zh-CN': '用户名或密码错误', en: 'Invalid username or password' },
  'auth.locked': { 'zh-CN': '账号已被锁定，请 {minutes} 分钟后再试', en: 'The account is locked; try again in {minutes} minutes' },
  'auth.disabled': { 'zh-CN': '账号已停用', en: 'The account is disabled' },
  'auth.api_key_not_found': { 'zh-CN': 'API 密钥不存在', en: 'No such API key' },
  'db.unavailable': { 'zh-CN': '数据库暂不可用', en: 'The database is unavailable' },
};

export function translate(code: string, lang: Lang, params: Record<string, unknown> = {}): string {
  const entry = catalogue[code];
  const template = entry ? entry[lang] : catalogue['common.bad_request'][lang];
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : String(params[k])));
}

/** Registers messages of a module (each module keeps its own next to its code). */
export function registerMessages(entries: Record<string, { 'zh-CN': string; en: string }>): void {
  Object.assign(catalogue, entries);
}

export function hasMessage(code: string): boolean {
  return code in catalogue;
}

/** Picks the language from Accept-Language: English only when asked for first; Chinese otherwise. */
export function langFrom(acceptLanguage: string | string[] | undefined): Lang {
  const raw = Array.isArray(acceptLanguage) ? acceptLanguage[0] : acceptLanguage;
  if (!raw) return 'zh-CN';
  const first = raw.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}
