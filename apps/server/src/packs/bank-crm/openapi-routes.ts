/** The bank pack's HTTP routes, contributed to the generated OpenAPI document. */
import {
  CircleDetectionSchema, Customer360Schema, NextActionDecisionSchema, NextActionDismissBody, NextActionSchema, CustomerLookupQuery, CustomerLookupResultSchema, CustomerNetworkSchema, GuaranteeCircleSchema, itemsOfSchema, KycScheduleBody,
  KycScheduleResultSchema, networkQuery, RuleTagRecomputeSchema, SegmentBody, SegmentMembersQuery, SegmentMembersSchema, SegmentPatchBody, SegmentSchema, SegmentStartBody,
  SegmentStartResultSchema, SegmentWithCountSchema,
} from '@crm/shared';
import type { StaticRoute } from '../../openapi/static-routes.js';
import { MAX_DEPTH } from './customers/network.service.js';

export const BANK_OPENAPI_ROUTES: readonly StaticRoute[] = [
  { method: 'get', path: '/api/customers/lookup', tag: 'customers', summary: '来电弹屏：按手机号或证件号查客户 / Screen pop: customers by mobile or ID number', query: CustomerLookupQuery, response: CustomerLookupResultSchema },
  { method: 'get', path: '/api/customers/{id}/360', tag: 'customers', summary: '客户360视图 / Customer 360°', response: Customer360Schema },
  { method: 'get', path: '/api/customers/{id}/network', tag: 'customers', summary: '客户关系网络 / Relationship network', query: networkQuery(MAX_DEPTH), response: CustomerNetworkSchema },
  { method: 'get', path: '/api/customers/{id}/next-actions', tag: 'customers', summary: '下一步建议（最多三条，附理由）/ Next best actions (up to three, with reasons)', response: itemsOfSchema(NextActionSchema) },
  { method: 'post', path: '/api/customers/{id}/next-actions/{actionId}/accept', tag: 'customers', summary: '采纳建议：为客户经理安排一次联系 / Accept: plan a contact for the customer manager', response: NextActionDecisionSchema },
  { method: 'post', path: '/api/customers/{id}/next-actions/{actionId}/dismiss', tag: 'customers', summary: '忽略建议并说明原因 / Dismiss, with the reason', body: NextActionDismissBody, response: NextActionDecisionSchema },
  { method: 'get', path: '/api/customers/guarantee-circles', tag: 'customers', summary: '担保圈 / Guarantee circles', response: itemsOfSchema(GuaranteeCircleSchema) },
  { method: 'post', path: '/api/customers/guarantee-circles/detect', tag: 'customers', summary: '重新识别担保圈 / Detect circles', right: 'designer', response: CircleDetectionSchema },
  { method: 'post', path: '/api/customers/tags/recompute', tag: 'customers', summary: '重算规则标签 / Recompute rule tags', right: 'designer', response: RuleTagRecomputeSchema },
  { method: 'post', path: '/api/customers/kyc-reviews/schedule', tag: 'customers', summary: '发起到期 KYC 复核 / Start due KYC reviews', right: 'designer', body: KycScheduleBody, response: KycScheduleResultSchema },
  { method: 'get', path: '/api/segments', tag: 'customers', summary: '客群 / Segments', response: itemsOfSchema(SegmentWithCountSchema) },
  { method: 'post', path: '/api/segments', tag: 'customers', summary: '保存客群（敏感值以密钥哈希保存）/ Save a segment (sensitive values kept as keyed hashes)', body: SegmentBody, response: SegmentSchema },
  { method: 'patch', path: '/api/segments/{code}', tag: 'customers', summary: '修改客群 / Change a segment', body: SegmentPatchBody, response: SegmentSchema },
  { method: 'get', path: '/api/segments/{code}', tag: 'customers', summary: '客群与人数 / A segment and its count', response: SegmentWithCountSchema },
  { method: 'get', path: '/api/segments/{code}/members', tag: 'customers', summary: '客群成员 / Segment members', query: SegmentMembersQuery, response: SegmentMembersSchema },
  { method: 'post', path: '/api/segments/{code}/start-process', tag: 'customers', summary: '对客群发起流程 / Start a process per member', right: 'process.start', body: SegmentStartBody, response: SegmentStartResultSchema },
];
