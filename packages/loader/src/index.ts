export * from './lib/types.js';
