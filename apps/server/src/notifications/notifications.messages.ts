/** Error messages of the notification centre (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'notifications.not_found': { 'zh-CN': '通知不存在', en: 'No such notification' },
  'notifications.ticket_invalid': { 'zh-CN': '通知连接凭证无效或已过期，请重新获取', en: 'The stream ticket is invalid, used or expired: ask for a new one' },
});
