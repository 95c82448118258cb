export * from './test-databases';
export * from './test-nats';
export * from './free-port';
export * from './test-system';
export * from './admin-api';
export * from './test-client';
export * from './store-factories';
export * from './private-nats-server';
