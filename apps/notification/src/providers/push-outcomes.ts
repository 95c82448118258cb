import { PushOutcome } from './push-provider';

/**
 * Milliseconds to wait from a `Retry-After` header: delay-seconds or an HTTP date
 * (RFC 9110 §10.2.3). Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form names its month; without this, Date.parse reads "-5" as a year.
  const at = /[A-Za-z]/.test(trimmed) ? Date.parse(trimmed) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function retryOutcome(reason: string, retryAfter?: string | null): PushOutcome {
  const retryAfterMs = parseRetryAfter(retryAfter);
  return retryAfterMs === undefined ? { status: 'retry', reason } : { status: 'retry', reason, retryAfterMs };
}

/** A request that got no answer (refused, reset, timed out): the push may be tried again. */
export function unansweredOutcome(error: unknown): PushOutcome {
  // fetch's abort is a DOMException: not always `instanceof Error` (e.g. across VM contexts).
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { status: 'retry', reason: 'timed out' };
  }
  return { status: 'retry', reason: `network error: ${describeError(error)}` };
}

/** The push was handed to a provider for another platform: the caller's routing is wrong. */
export function wrongPlatformOutcome(expected: string, got: string): PushOutcome {
  return { status: 'rejected', reason: `${expected} provider cannot send to a ${got} target` };
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

/** Reads at most a few KiB of a response body as text, for error reasons; never throws. */
export async function responseText(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 4096);
  } catch {
    return '';
  }
}

/** JSON.parse that gives undefined for anything unreadable (error bodies are not trusted to be JSON). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
