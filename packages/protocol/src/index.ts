export * from './ack.js';
export * from './approval.js';
export * from './audit.js';
export * from './errors.js';
export * from './events.js';
export * from './json-value.js';
export * from './rest.js';
export * from './text.js';
