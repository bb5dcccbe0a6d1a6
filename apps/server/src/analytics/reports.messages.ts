import { AppError } from '../common/app-error.js';
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'reports.invalid': { 'zh-CN': '报表定义无效', en: 'The report is not valid' },
  'reports.not_found': { 'zh-CN': '报表不存在：{report}', en: 'No such report: {report}' },
  'reports.exists': { 'zh-CN': '报表已存在：{report}', en: 'The report already exists: {report}' },
  'reports.stale_version': { 'zh-CN': '报表已被他人修改（当前版本 {current}），请刷新后重试', en: 'The report was changed by someone else (now version {current}); reload and retry' },
  'reports.too_many_cells': {
    'zh-CN': '报表结果超过 {max} 个单元格，请增加筛选条件、减少维度或设置前 N 名',
    en: 'The report answers more than {max} cells; add filters, drop a dimension or set a top N',
  },
  'reports.not_listable': {
    'zh-CN': '该单元格的明细记录无法按您的权限筛选列出（维度字段对您脱敏），请继续下钻',
    en: 'The records behind this cell cannot be listed with your field rights (a dimension is masked for you); drill further instead',
  },
  'reports.timeout': { 'zh-CN': '报表查询超过 {ms} 毫秒被中止，请缩小查询范围', en: 'The report query ran longer than {ms} ms and was stopped; narrow it down' },
});

/** A 400 naming one problem of a report definition, with its message in both languages. */
export function reportProblem(path: string, code: string, message: { 'zh-CN': string; en: string }): AppError {
  return new AppError(400, 'reports.invalid', {}, (lang) => [{ path, code, message: message[lang] }]);
}
