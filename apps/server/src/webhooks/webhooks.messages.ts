/** Error messages of the webhooks module (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'webhooks.not_found': { 'zh-CN': 'Webhook 订阅不存在', en: 'No such webhook subscription' },
  'webhooks.url_not_allowed': { 'zh-CN': '目标地址不在允许列表（CRM_WEBHOOK_ALLOWED_ORIGINS）中', en: 'The target origin is not in the allow-list (CRM_WEBHOOK_ALLOWED_ORIGINS)' },
  'webhooks.bad_url': { 'zh-CN': '目标地址必须是 http(s) URL，且不含用户名、口令或片段', en: 'The target must be an http(s) URL without credentials or fragment' },
  'webhooks.bad_filter': { 'zh-CN': '过滤条件不是有效的 FEEL 表达式：{reason}', en: 'The filter is not a valid FEEL expression: {reason}' },
  'webhooks.object_not_readable': { 'zh-CN': '不能订阅无权读取的对象 {object}', en: 'You cannot subscribe to object {object}: you may not read it' },
  'webhooks.message_not_found': { 'zh-CN': '投递消息不存在', en: 'No such delivery message' },
});
