export * from './nats-bus';
export * from './message-stream';
export * from './stream-consumers';
export * from './nats.module';
export { encodeJson, decodeJson } from './json-codec';
