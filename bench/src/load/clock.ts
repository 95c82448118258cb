/**
 * Milliseconds on the machine's monotonic clock (CLOCK_MONOTONIC), comparable across the
 * processes of one machine: a send stamped in one load generator can be timed on arrival in another.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A message body carrying its send time, padded to `size` characters. */
export function stampedBody(size: number): string {
  const stamp = `t${monotonicMs().toFixed(3)}`;
  return size > stamp.length ? `${stamp} ${'x'.repeat(size - stamp.length - 1)}` : stamp;
}

/** The send time of a stamped body, or undefined for any other body. */
export function sendTimeOf(body: string): number | undefined {
  if (body.charCodeAt(0) !== 116 /* t */) return undefined;
  const end = body.indexOf(' ');
  const value = Number(body.slice(1, end < 0 ? undefined : end));
  return Number.isFinite(value) ? value : undefined;
}
