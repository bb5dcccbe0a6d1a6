import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'views.invalid': { 'zh-CN': '视图定义无效', en: 'The view is not valid' },
  'views.not_found': { 'zh-CN': '视图不存在', en: 'No such view' },
  'views.not_owner': { 'zh-CN': '只有视图的创建人（或设计者）可以修改或删除它', en: 'Only the view\'s owner (or a designer) may change or delete it' },
  'views.too_many': { 'zh-CN': '每人最多保存 {max} 个视图', en: 'At most {max} views per user' },
  'views.stale_version': { 'zh-CN': '视图已被修改（当前版本 {current}），请刷新后重试', en: 'The view was changed (now version {current}); reload and retry' },
});

/** A 400 naming one problem of a view, with its message in both languages. */
export function viewProblem(path: string, code: string, message: { 'zh-CN': string; en: string }): AppError {
  return new AppError(400, 'views.invalid', {}, (lang) => [{ path, code, message: message[lang] }]);
}
