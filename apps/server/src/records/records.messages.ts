import { registerMessages } from '../common/i18n.js';

registerMessages({
  'records.not_found': { 'zh-CN': '记录不存在', en: 'No such record' },
  'records.invalid': { 'zh-CN': '数据校验未通过', en: 'The data is not valid' },
  'records.invalid_filter': { 'zh-CN': '查询条件无效', en: 'The filter is not valid' },
  'records.invalid_sort': { 'zh-CN': '排序条件无效：{sort}', en: 'The sort is not valid: {sort}' },
  'records.invalid_cursor': { 'zh-CN': '分页游标无效', en: 'The cursor is not valid' },
  'records.stale_version': { 'zh-CN': '记录已被他人修改（当前版本 {current}），请刷新后重试', en: 'The record was changed by someone else (now version {current}); reload and retry' },
  'records.version_required': { 'zh-CN': '修改记录时必须提供 version', en: 'An update must carry the record version' },
  'records.duplicate': { 'zh-CN': '{field} 的值已存在，必须唯一', en: 'The value of {field} already exists; it must be unique' },
  'records.bad_reference': { 'zh-CN': '{field} 引用的记录或附件不存在或无权访问', en: '{field} refers to a record or file that does not exist or that you may not read' },
  'records.reference_detail': { 'zh-CN': '引用的记录不存在或无权访问', en: 'No such record, or you may not read it' },
  'records.attachment_detail': { 'zh-CN': '附件不存在或无权使用', en: 'No such file, or you may not use it' },
  'records.forbidden_action': { 'zh-CN': '无权对 {object} 执行 {action}', en: 'You may not {action} {object}' },
  'records.owner_not_assignable': { 'zh-CN': '新的负责人必须是该记录所属机构（或其下级机构）的在职用户', en: 'The new owner must be an active user of the record\'s org unit or a unit below it' },
  'records.field_not_writable': { 'zh-CN': '无权修改字段：{fields}', en: 'You may not write these fields: {fields}' },
});
