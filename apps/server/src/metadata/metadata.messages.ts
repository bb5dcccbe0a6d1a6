import { registerMessages } from '../common/i18n.js';

registerMessages({
  'meta.object_not_found': { 'zh-CN': '对象不存在：{object}', en: 'No such object: {object}' },
  'meta.object_exists': { 'zh-CN': '对象已存在：{object}', en: 'The object already exists: {object}' },
  'meta.object_has_records': { 'zh-CN': '对象 {object} 仍有数据，请使用 purge=true 确认删除', en: 'Object {object} still holds records; confirm with purge=true' },
  'meta.object_in_use': { 'zh-CN': '对象 {object} 仍被引用：{by}', en: 'Object {object} is still referenced by {by}' },
  'meta.field_not_found': { 'zh-CN': '字段不存在：{object}.{field}', en: 'No such field: {object}.{field}' },
  'meta.field_exists': { 'zh-CN': '字段已存在：{field}', en: 'The field already exists: {field}' },
  'meta.field_deleted_exists': { 'zh-CN': '字段 {field} 已删除但数据仍保留，请先彻底清除（purge）', en: 'Field {field} was deleted but its data is kept; purge it first' },
  'meta.invalid_field': { 'zh-CN': '字段定义无效', en: 'The field definition is not valid' },
  'meta.invalid_object': { 'zh-CN': '对象定义无效', en: 'The object definition is not valid' },
  'meta.relation_target_missing': { 'zh-CN': '关联的目标对象不存在：{target}', en: 'The relation target does not exist: {target}' },
  'meta.type_change_refused': { 'zh-CN': '字段 {field} 不能从 {from} 改为 {to}：{reason}', en: 'Field {field} cannot change from {from} to {to}: {reason}' },
  'meta.unique_violation_existing': { 'zh-CN': '字段 {field} 已有重复数据，无法设为唯一', en: 'Field {field} already holds duplicate values; it cannot be made unique' },
  'meta.sensitivity_change_refused': { 'zh-CN': '字段 {field} 已有数据，不能跨越加密级别（3 级）修改敏感级别', en: 'Field {field} holds data; its sensitivity cannot cross the encryption level (3)' },
  'meta.form_not_found': { 'zh-CN': '表单不存在：{form}', en: 'No such form: {form}' },
  'meta.form_exists': { 'zh-CN': '表单已存在：{form}', en: 'The form already exists: {form}' },
  'meta.form_version_not_found': { 'zh-CN': '表单 {form} 没有版本 {version}', en: 'Form {form} has no version {version}' },
  'meta.form_not_published': { 'zh-CN': '表单 {form} 尚未发布', en: 'Form {form} has not been published' },
  'meta.invalid_form': { 'zh-CN': '表单定义无效', en: 'The form definition is not valid' },
  'meta.field_in_use': { 'zh-CN': '字段 {field} 仍被表单使用：{forms}', en: 'Field {field} is still used by forms: {forms}' },
});
