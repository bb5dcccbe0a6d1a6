/** What the OpenAPI document says about the insight model routes (spread into the static route list). */
import { ModelBody, ModelExplanationSchema, ModelJobStartedSchema, ModelPatchBody, ModelSchema, ModelSummarySchema, ModelVersionSchema, NO_JSON_BODY, itemsOfSchema } from '@crm/shared';
import type { StaticRoute } from '../openapi/static-routes.js';

const tag = 'insight';
const right = 'designer' as const;
export const MODEL_ROUTES: StaticRoute[] = [
  { method: 'get', path: '/api/models', tag, summary: '模型列表（可读其对象者可见）/ Models (visible to whoever may read their object)', response: itemsOfSchema(ModelSummarySchema) },
  { method: 'post', path: '/api/models', tag, summary: '定义模型 / Define a model', right, body: ModelBody, response: ModelSchema },
  { method: 'get', path: '/api/models/{key}', tag, summary: '模型及其最新版本的指标 / A model and its latest version’s metrics', response: ModelSchema },
  { method: 'get', path: '/api/models/{key}/versions', tag, summary: '训练版本及其指标（最新在前）/ Trained versions with their metrics, newest first', response: itemsOfSchema(ModelVersionSchema) },
  { method: 'patch', path: '/api/models/{key}', tag, summary: '修改模型定义 / Change a model', right, body: ModelPatchBody, response: ModelSchema },
  { method: 'delete', path: '/api/models/{key}', tag, summary: '删除模型及其版本 / Delete a model and its versions', right, response: NO_JSON_BODY },
  { method: 'post', path: '/api/models/{key}/train', tag, summary: '训练（后台任务，202）/ Train (a background job, 202)', right, response: ModelJobStartedSchema },
  { method: 'post', path: '/api/models/{key}/score', tag, summary: '为全部记录评分并写入评分字段（后台任务，202）/ Score every record into the score field (a background job, 202)', right, response: ModelJobStartedSchema },
  { method: 'get', path: '/api/models/{key}/explain/{recordId}', tag, summary: '记录的评分及逐特征贡献（TreeSHAP）/ A record’s score with exact per-feature contributions', response: ModelExplanationSchema },
];
