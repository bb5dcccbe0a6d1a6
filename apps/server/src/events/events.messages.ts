/** Error messages of business events (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'events.customer_not_found': { 'zh-CN': '客户不存在或无权访问', en: 'No such customer, or not one you may reach' },
  'events.no_customer_object': { 'zh-CN': '未定义客户对象 {object}，无法接收业务事件', en: 'There is no customer object {object}: business events cannot be received' },
  'events.ambiguous_customer_key': { 'zh-CN': '客户编号 {key} 对应多个客户', en: 'The customer key {key} names more than one customer' },
});
