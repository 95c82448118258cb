export * from './test-databases';
export * from './test-nats';
export { freePort } from '@parley/launcher';
export * from './test-system';
export * from './admin-api';
export * from './test-client';
export * from './store-factories';
export * from './private-nats-server';
export * from './service-runtime-suite';
