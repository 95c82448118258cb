export * from './hash';
export * from './ids';
export * from './shard-router';
export * from './shard-map';
