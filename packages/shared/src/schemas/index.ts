/** The zod schemas of every request and response of the HTTP API: the server validates with them, the OpenAPI document shows them. */
export * from './common.js';
export * from './platform.js';
export * from './auth.js';
export * from './admin.js';
export * from './metadata.js';
export * from './records.js';
export * from './workflow.js';
export * from './audit.js';
export * from './packs.js';
export * from './reports.js';
export * from './dashboards.js';
export * from './webhooks.js';
export * from './imports.js';
export * from './jobs.js';
export * from './forecast.js';
export * from './journeys.js';
export * from './marketing.js';
