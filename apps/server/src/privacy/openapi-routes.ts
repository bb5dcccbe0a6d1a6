/** What the OpenAPI document says about the PIPL routes (spread into the static route list). */
import {
  NO_JSON_BODY, PrivacyCorrectionBody, PrivacyHolidayBody, PrivacyHolidayQuery, PrivacyHolidaySchema, PrivacyLookupItemSchema, PrivacyLookupQuery,
  PrivacyRequestBody, PrivacyRequestCreatedSchema, PrivacyRequestListQuery, PrivacyRequestSchema, PrivacySubjectSchema, RecordSchema, itemsOfSchema,
} from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'privacy';
const right = 'privacy' as const;
export const PRIVACY_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/privacy/subjects', tag, summary: '按证件号或手机号查找数据主体 / Find a data subject by ID number or mobile', right, query: PrivacyLookupQuery, response: itemsOfSchema(PrivacyLookupItemSchema) },
  { method: 'get', path: '/api/privacy/subjects/{customerId}', tag, summary: '数据主体的全部个人信息与留存依据 / Everything about a data subject, with legal holds', right, response: PrivacySubjectSchema },
  { method: 'get', path: '/api/privacy/requests', tag, summary: '个人信息权利请求 / Personal-information requests', right, query: PrivacyRequestListQuery, response: itemsOfSchema(PrivacyRequestSchema) },
  { method: 'post', path: '/api/privacy/requests', tag, summary: '登记个人信息权利请求（启动流程）/ Register a request (starts its process)', right, body: PrivacyRequestBody, response: PrivacyRequestCreatedSchema },
  { method: 'get', path: '/api/privacy/requests/{id}', tag, summary: '请求详情 / A request', right, response: PrivacyRequestSchema },
  { method: 'get', path: '/api/privacy/requests/{id}/package', tag, summary: '下载副本（仅经办人、仅一次）/ Download the copy package (its handler, once)', right, response: NO_JSON_BODY },
  { method: 'post', path: '/api/privacy/requests/{id}/corrections', tag, summary: '按更正请求修改记录（留痕）/ Correct a record under the request (audited)', right, body: PrivacyCorrectionBody, response: RecordSchema },
  { method: 'get', path: '/api/privacy/holidays', tag, summary: '节假日日历 / The holiday calendar', right, query: PrivacyHolidayQuery, response: itemsOfSchema(PrivacyHolidaySchema) },
  { method: 'put', path: '/api/privacy/holidays/{day}', tag, summary: '设置节假日或调休工作日 / Set a holiday or a working weekend day', right, body: PrivacyHolidayBody, response: PrivacyHolidaySchema },
  { method: 'delete', path: '/api/privacy/holidays/{day}', tag, summary: '删除日历条目 / Remove a calendar day', right, response: NO_JSON_BODY },
];
