/** The bank pack's contract, re-exported from the package index (types only cost nothing without the pack). */
export * from './contract.js';
