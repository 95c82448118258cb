import { Logger } from '@nestjs/common';
import { createPublicKey, JsonWebKey, KeyObject } from 'node:crypto';

/** A key that verifies tokens of exactly one algorithm. */
export interface VerificationKey {
  key: KeyObject;
  algorithm: PublicKeyAlgorithm;
}

export const PUBLIC_KEY_ALGORITHMS = ['RS256', 'ES256'] as const;
export type PublicKeyAlgorithm = (typeof PUBLIC_KEY_ALGORITHMS)[number];

const FETCH_TIMEOUT_MS = 5000;
const MAX_KEYS = 100;

/** The one algorithm a public key may verify: RSA → RS256, P-256 → ES256; anything else is no key of ours. */
export function algorithmOf(key: KeyObject): PublicKeyAlgorithm | null {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  return null;
}

export interface JwksOptions {
  url: string;
  /** Keys are used this long before the document is fetched again. */
  cacheMs: number;
  /** At most one fetch per this interval, whatever asks for it (unknown kids, expiry). */
  minRefetchMs: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * An identity provider's signing keys by `kid`, from its JWKS document. A token
 * naming an unknown kid triggers a refetch (the provider rotated its keys), but at
 * most one per `minRefetchMs`, so a flood of made-up kids cannot turn the gateway
 * into a load generator against the provider. A failed fetch keeps the keys known
 * so far: a provider outage does not log everyone out.
 */
export class JwksKeys {
  private readonly logger = new Logger(JwksKeys.name);
  private keys = new Map<string, VerificationKey>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight?: Promise<void>;
  private readonly now: () => number;
  private readonly fetch: typeof fetch;
  /** How many documents were requested (for tests and operators). */
  fetches = 0;

  constructor(private readonly options: JwksOptions) {
    this.now = options.now ?? Date.now;
    this.fetch = options.fetch ?? fetch;
  }

  async key(kid: string): Promise<VerificationKey | undefined> {
    const stale = this.now() - this.fetchedAt > this.options.cacheMs;
    if ((stale || !this.keys.has(kid)) && this.now() - this.attemptedAt >= this.options.minRefetchMs) await this.refresh();
    return this.keys.get(kid);
  }

  private refresh(): Promise<void> {
    this.inflight ??= this.load().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async load(): Promise<void> {
    this.attemptedAt = this.now();
    this.fetches++;
    try {
      const res = await this.fetch(this.options.url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.keys = parseJwks(await res.json());
      this.fetchedAt = this.now();
    } catch (err) {
      this.logger.warn(`JWKS fetch from ${this.options.url} failed (keeping ${this.keys.size} known key(s)): ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

/** The usable signing keys of a JWKS document; keys of other types or uses are skipped. */
export function parseJwks(document: unknown): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  const list = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list)) throw new Error('not a JWKS document (no keys array)');
  for (const jwk of list.slice(0, MAX_KEYS) as Array<Record<string, unknown>>) {
    if (!jwk || typeof jwk !== 'object' || typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
    let key: KeyObject;
    try {
      key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    } catch {
      continue;
    }
    const algorithm = algorithmOf(key);
    // A key that says which algorithm it is for must say the one its type allows.
    if (!algorithm || (jwk.alg !== undefined && jwk.alg !== algorithm)) continue;
    keys.set(jwk.kid, { key, algorithm });
  }
  return keys;
}
