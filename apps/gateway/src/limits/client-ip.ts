/**
 * The address a request came from: the peer, or behind a trusted proxy (one hop, e.g.
 * the ingress) the last X-Forwarded-For entry, the one that proxy appended; entries
 * before it are whatever the client chose to send. Trusting the header without a
 * proxy would let any client pick its own rate-limit key.
 */
export function clientIp(headers: Record<string, string | string[] | undefined>, peer: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : forwarded)?.split(',').pop()?.trim();
    if (last) return last;
  }
  return peer ?? 'unknown';
}
