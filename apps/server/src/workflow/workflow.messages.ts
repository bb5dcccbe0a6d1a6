/** Error messages of the workflow module (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'workflow.bpmn_parse_error': { 'zh-CN': 'BPMN 文件格式错误（第 {line} 行）：{reason}', en: 'The BPMN file is not well formed (line {line}): {reason}' },
  'workflow.bpmn_invalid': { 'zh-CN': '流程模型无法执行：{elements}', en: 'The process model cannot run: {elements}' },
  'workflow.dmn_parse_error': { 'zh-CN': 'DMN 文件格式错误（第 {line} 行）：{reason}', en: 'The DMN file is not well formed (line {line}): {reason}' },
  'workflow.dmn_invalid': { 'zh-CN': '决策表无法执行：{elements}', en: 'The decision table cannot run: {elements}' },
  'workflow.definition_not_found': { 'zh-CN': '流程定义 {key} 不存在', en: 'No process definition {key}' },
  'workflow.decision_not_found': { 'zh-CN': '决策 {key} 不存在', en: 'No decision {key}' },
  'workflow.decision_failed': { 'zh-CN': '决策 {key} 无法给出结果：{reason}', en: 'Decision {key} gave no answer: {reason}' },
  'workflow.instance_not_found': { 'zh-CN': '流程实例不存在', en: 'No such process instance' },
  'workflow.instance_ended': { 'zh-CN': '流程实例已结束', en: 'The process instance has already ended' },
  'workflow.start_failed': { 'zh-CN': '无法启动流程：{reason}', en: 'The process could not start: {reason}' },
  'workflow.task_not_found': { 'zh-CN': '任务不存在', en: 'No such task' },
  'workflow.task_done': { 'zh-CN': '任务已处理完毕', en: 'The task has already been completed' },
  'workflow.task_claimed': { 'zh-CN': '任务已被 {assignee} 认领', en: 'The task has already been claimed by {assignee}' },
  'workflow.task_not_yours': { 'zh-CN': '您不是该任务的处理人或候选人', en: 'You are neither the assignee nor a candidate of this task' },
  'workflow.four_eyes': { 'zh-CN': '四眼原则：您不能处理此任务（前一环节已由您处理）', en: 'Four-eyes rule: you may not complete this task' },
  'workflow.form_invalid': { 'zh-CN': '表单数据校验未通过', en: 'The form data is not valid' },
  'workflow.incident_not_found': { 'zh-CN': '事件（故障）不存在或已处理', en: 'No such open incident' },
  'workflow.trigger_not_found': { 'zh-CN': '触发器不存在', en: 'No such trigger' },
  'workflow.bad_condition': { 'zh-CN': '条件表达式无效：{reason}', en: 'The condition is not valid FEEL: {reason}' },
  'workflow.undeclared_variables': { 'zh-CN': '以下变量未在流程模型中声明，不能由请求设置：{names}', en: 'These variables are not declared by the process model and may not be set by a request: {names}' },
  'workflow.reserved_variables': { 'zh-CN': '以下变量由流程引擎设置（身份或任务分派），不能由请求设置：{names}', en: 'These variables are set by the engine (identities or task routing) and may not be set by a request: {names}' },
  'workflow.unreadable_reference': { 'zh-CN': '字段 {field} 引用的记录不存在或您无权查看', en: 'The record field {field} refers to does not exist or you may not read it' },
  'workflow.message_needs_key': { 'zh-CN': '未提供关联键的消息仅流程管理员可发送', en: 'Only process administrators may send a message without a correlation key' },
  'workflow.busy': { 'zh-CN': '流程实例正忙，请稍后重试', en: 'The process instance is busy; try again' },
});
