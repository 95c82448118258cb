import { createHash } from 'node:crypto';

/** 32 characters of the URL-safe base64 alphabet (192 bits of SHA-256): valid as a Web Push `Topic`. */
export function hashedCollapseKey(collapseKey: string): string {
  return createHash('sha256').update(collapseKey).digest('base64url').slice(0, 32);
}

/** The key itself when it fits in `maxBytes` (APNs allows 64), else its hash. */
export function collapseKeyWithin(collapseKey: string, maxBytes: number): string {
  return Buffer.byteLength(collapseKey) <= maxBytes ? collapseKey : hashedCollapseKey(collapseKey);
}
