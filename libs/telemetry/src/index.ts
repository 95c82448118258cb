export * from './metrics';
export * from './correlation';
export * from './logger';
