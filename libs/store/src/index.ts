export * from './sharded-database';
export * from './create-databases';
export * from './store.module';
export * from './pg-errors';
export * from './message-row';
export * from './conversation-row';
export * from './org-scope';
export * from './prepared-statement';
