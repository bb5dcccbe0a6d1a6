export * from './rights.js';
export * from './schemas/index.js';
export * from './packs/bank-crm/index.js';
export * from './types.js';
export * from './client.js';
