export * from './readiness';
export * from './health.controller';
export * from './service-runtime.module';
export * from './run-service';
export * from './metrics.controller';
export * from './nest-logger';
export * from './lru-map';
export * from './openapi-decorators';
