/** Error messages of journeys (zh-CN default, en). */
import { registerMessages } from '../../common/i18n.js';

registerMessages({
  'journeys.not_found': { 'zh-CN': '旅程不存在：{key}', en: 'No such journey: {key}' },
  'journeys.exists': { 'zh-CN': '旅程 {key} 已存在', en: 'Journey {key} already exists' },
  'journeys.active': { 'zh-CN': '旅程运行中，请先暂停再修改', en: 'The journey is active: pause it before changing it' },
  'journeys.bad_condition': { 'zh-CN': '进入条件不是有效的 FEEL 表达式：{reason}', en: 'The entry condition is not a valid FEEL expression: {reason}' },
  'journeys.unknown_goal': { 'zh-CN': '目标 {goal} 不是流程 {process} 中的结束事件', en: 'Goal {goal} is not an end event of process {process}' },
  'journeys.unknown_object': { 'zh-CN': '对象 {object} 或字段 {field} 不存在', en: 'No object {object} or field {field}' },
  'journeys.not_segment_entry': { 'zh-CN': '该旅程不是按客群进入', en: 'This journey is not entered by segment' },
  'journeys.not_active': { 'zh-CN': '旅程未启用', en: 'The journey is not active' },
  'journeys.segment_not_found': { 'zh-CN': '客群不存在或无权查看：{segment}', en: 'No such segment, or not yours to see: {segment}' },
});
