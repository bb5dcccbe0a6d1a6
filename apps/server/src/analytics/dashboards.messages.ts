import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'dashboards.invalid': { 'zh-CN': '看板定义或筛选无效', en: 'The dashboard or its filters are not valid' },
  'dashboards.not_found': { 'zh-CN': '看板不存在：{dashboard}', en: 'No such dashboard: {dashboard}' },
  'dashboards.exists': { 'zh-CN': '看板已存在：{dashboard}', en: 'The dashboard already exists: {dashboard}' },
  'dashboards.stale_version': { 'zh-CN': '看板已被他人修改（当前版本 {current}），请刷新后重试', en: 'The dashboard was changed by someone else (now version {current}); reload and retry' },
});

/** A 400 naming one problem of a dashboard definition or run, with its message in both languages. */
export function dashboardProblem(path: string, code: string, message: { 'zh-CN': string; en: string }): AppError {
  return new AppError(400, 'dashboards.invalid', {}, (lang) => [{ path, code, message: message[lang] }]);
}
