/** Error messages of the privacy module (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'privacy.subject_not_found': { 'zh-CN': '数据主体不存在（不是客户记录）', en: 'No such data subject (not a customer record)' },
  'privacy.request_not_found': { 'zh-CN': '个人信息权利请求不存在', en: 'No such personal-information request' },
  'privacy.process_missing': { 'zh-CN': '未部署个人信息权利请求流程（{key}）', en: 'The personal-information request process ({key}) is not deployed' },
  'privacy.package_not_ready': { 'zh-CN': '副本文件尚未生成', en: 'The copy package is not ready' },
  'privacy.package_gone': { 'zh-CN': '副本文件已下载过一次，不能再次下载', en: 'The copy package was already downloaded once' },
  'privacy.not_handler': { 'zh-CN': '只有本请求的经办人可以下载副本', en: 'Only the handler of this request may download its package' },
  'privacy.not_correctable': { 'zh-CN': '该请求不是更正请求，或记录不属于该数据主体', en: 'The request is not a correction, or the record does not belong to its subject' },
  'privacy.request_closed': { 'zh-CN': '请求已办结', en: 'The request is closed' },
});
