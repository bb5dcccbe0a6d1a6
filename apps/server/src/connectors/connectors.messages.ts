/** Error messages of the connectors module (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'connectors.not_found': { 'zh-CN': '连接器不存在', en: 'No such connector' },
  'connectors.exists': { 'zh-CN': '连接器 {key} 已存在', en: 'Connector {key} already exists' },
  'connectors.url_not_allowed': { 'zh-CN': '目标地址 {origin} 不在允许列表（CRM_WORKFLOW_HTTP_ALLOW）中', en: 'The origin {origin} is not in the allow-list (CRM_WORKFLOW_HTTP_ALLOW)' },
  'connectors.sql_host_not_allowed': { 'zh-CN': '数据库地址不在允许列表（CRM_CONNECTOR_SQL_HOSTS）中', en: 'The database host is not in the allow-list (CRM_CONNECTOR_SQL_HOSTS)' },
  'connectors.sql_own_database': { 'zh-CN': '数据源不能是本平台自己的数据库', en: 'The source must not be the platform\'s own database' },
  'connectors.bad_connection_string': { 'zh-CN': '数据库连接串无效（应为 postgresql://用户:口令@主机:端口/库）', en: 'Not a valid connection string (postgresql://user:password@host:port/db)' },
  'connectors.secret_required': { 'zh-CN': '缺少密钥：{name}', en: 'Missing secret: {name}' },
  'connectors.bad_mapping': { 'zh-CN': '字段映射无效：{reason}', en: 'Invalid mapping: {reason}' },
  'connectors.run_failed': { 'zh-CN': '连接器执行失败（{code}）：{reason}', en: 'The connector failed ({code}): {reason}' },
  'connectors.rate_limited': { 'zh-CN': '已达发送频率上限，请 {seconds} 秒后重试', en: 'Send rate limit reached; retry in {seconds} s' },
  'connectors.timeout': { 'zh-CN': '对方系统未在规定时间内响应', en: 'the counterpart did not answer in time' },
  'connectors.unreachable': { 'zh-CN': '无法连接到对方系统', en: 'the counterpart cannot be reached' },
  'connectors.busy': { 'zh-CN': '该连接器正在执行中', en: 'This connector is already running' },
});
