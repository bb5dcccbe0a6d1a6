/** Error messages of the marketing module (zh-CN default, en). */
import { registerMessages } from '../common/i18n.js';

registerMessages({
  'marketing.campaign_not_found': { 'zh-CN': '营销活动不存在', en: 'No such campaign' },
  'marketing.member_not_found': { 'zh-CN': '该客户不是此活动中您可见的成员', en: 'The customer is not a member of this campaign that you may see' },
  'marketing.not_draft': { 'zh-CN': '活动已提交或已发布，只能修改成本、日期或结束活动', en: 'The campaign is no longer a draft: only its cost and dates may change, or it may be completed' },
  'marketing.not_launchable': { 'zh-CN': '活动状态为 {status}，不能发布', en: 'The campaign is {status} and cannot be launched' },
  'marketing.no_target': { 'zh-CN': '活动须指定客群或筛选条件', en: 'A campaign needs a segment or a filter' },
  'marketing.segment_not_found': { 'zh-CN': '客群 {code} 不存在或不可见', en: 'Segment {code} does not exist or is not visible to you' },
  'marketing.no_customers': { 'zh-CN': '未安装客户对象，无法确定活动成员', en: 'There is no customer object to draw members from' },
  'marketing.control_member': { 'zh-CN': '对照组客户不接触，不能登记响应', en: 'Control-group customers are not contacted: no response can be recorded' },
  'marketing.excluded_member': { 'zh-CN': '该客户已被排除（{reason}），不能登记响应', en: 'The customer was excluded ({reason}): no response can be recorded' },
  'marketing.not_active': { 'zh-CN': '活动状态为 {status}，只有进行中的活动可以刷新客群', en: 'The campaign is {status}: only an active campaign’s target can be refreshed' },
  'marketing.unknown_template_variable': { 'zh-CN': '消息模板（{channel}）中的变量 {{{variable}}} 不存在或您无权读取', en: 'The message template ({channel}) names the variable {{{variable}}}, which does not exist or which you may not read' },
  'marketing.not_launched': { 'zh-CN': '活动尚未发布', en: 'The campaign has not been launched' },
  'marketing.bad_period': { 'zh-CN': '结束日期早于开始日期', en: 'The end date is before the start date' },
  'marketing.offer_not_found': { 'zh-CN': '推广产品不存在或不可见', en: 'The offered product does not exist or is not visible to you' },
  'marketing.approval_process_missing': { 'zh-CN': '未部署营销活动审批流程 {key}', en: 'The campaign approval process {key} is not deployed' },
});
