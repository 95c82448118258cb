export * from './nats-bus';
export * from './message-stream';
export * from './nats.module';
export { encodeJson, decodeJson } from './json-codec';
