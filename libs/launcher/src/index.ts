export * from './repo-root';
export * from './service-process';
export * from './parley-system';
export * from './free-port';
