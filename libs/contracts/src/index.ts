export * from './errors';
export * from './validation';
export * from './shapes';
export * from './client-events';
export * from './nats-contract';
export * from './commands';
export * from './events';
export * from './presence';
