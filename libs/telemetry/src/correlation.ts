import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

/**
 * The correlation id of the work in progress: born where a request enters Parley (a socket
 * event, an HTTP request), carried across NATS hops in the `Parley-Correlation-Id` header,
 * and stamped on every log line written while handling it.
 */
export const CORRELATION_HEADER = 'Parley-Correlation-Id';

const storage = new AsyncLocalStorage<string>();

export function currentCorrelationId(): string | undefined {
  return storage.getStore();
}

export function withCorrelationId<T>(id: string | undefined, work: () => T): T {
  return id ? storage.run(id, work) : work();
}

// A random process prefix and a counter: unique across processes, no syscall per id.
const processPrefix = randomBytes(4).toString('hex');
let counter = 0;

export function newCorrelationId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${processPrefix}-${counter.toString(36)}`;
}
