export * from './gbdt.js';
export * from './logistic.js';
export * from './metrics.js';
export * from './random.js';
export * from './train.js';
