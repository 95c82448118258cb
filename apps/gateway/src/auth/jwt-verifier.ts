import { Inject, Injectable } from '@nestjs/common';
import { createPublicKey, createSecretKey, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ErrorCode, Id, ParleyError } from '@parley/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { algorithmOf, JwksKeys, PUBLIC_KEY_ALGORITHMS, VerificationKey } from './jwks-keys';

export interface TokenSubject {
  userId: string;
  orgId: string;
  /** When the token stops being valid (ms since the epoch); a live socket is refused from then on. */
  expiresAtMs: number;
}

/** The claims a Parley user token must carry (exp is required: tokens never live forever). */
const UserClaims = z.object({ sub: Id, org: Id, exp: z.number() });
const TokenHeader = z.object({ alg: z.string(), kid: z.string().max(256).optional() });

/** Far above any real token; a bigger one is refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;
const HMAC_ALGORITHM = 'HS256';

export type JwtSettings = Pick<
  GatewayConfig,
  'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_PUBLIC_KEY' | 'JWT_JWKS_URL' | 'JWT_JWKS_CACHE_MS' | 'JWT_JWKS_MIN_REFETCH_MS'
>;

/**
 * Checks user tokens for every transport (the Socket.IO handshake and the client REST
 * API). The key is chosen from the token's header, and each key verifies exactly one
 * algorithm: HS256 only with JWT_SECRET (the tokens the admin API issues), RS256 or
 * ES256 only with an identity provider's public key (JWT_PUBLIC_KEY, or the JWKS key
 * the token's `kid` names). So `alg: none` and HS/RS confusion (a public key used as
 * an HMAC secret) cannot verify. Issuer, audience and expiry are always checked. Any
 * failure is the same UNAUTHORIZED, so callers learn nothing about why.
 */
@Injectable()
export class JwtVerifier {
  private readonly staticKey?: VerificationKey;
  private readonly jwks?: JwksKeys;
  /**
   * Built once: given the secret as a string, jsonwebtoken first tries it as a PEM public
   * key and throws, on every verify (4-5% of the gateway's CPU while clients connect).
   */
  private readonly hmacKey: KeyObject;

  constructor(@Inject(GATEWAY_CONFIG) private readonly settings: JwtSettings) {
    this.hmacKey = createSecretKey(Buffer.from(settings.JWT_SECRET, 'utf8'));
    if (settings.JWT_PUBLIC_KEY) {
      const key = createPublicKey(settings.JWT_PUBLIC_KEY);
      const algorithm = algorithmOf(key);
      if (!algorithm) throw new Error('JWT_PUBLIC_KEY must be an RSA or P-256 EC key');
      this.staticKey = { key, algorithm };
    }
    if (settings.JWT_JWKS_URL) {
      this.jwks = new JwksKeys({ url: settings.JWT_JWKS_URL, cacheMs: settings.JWT_JWKS_CACHE_MS, minRefetchMs: settings.JWT_JWKS_MIN_REFETCH_MS });
    }
  }

  async verify(token: unknown): Promise<TokenSubject> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw unauthorized();
    const header = TokenHeader.safeParse(decodedHeader(token));
    if (!header.success) throw unauthorized();
    const { key, algorithm } = await this.keyFor(header.data.alg, header.data.kid);
    let decoded: unknown;
    try {
      decoded = jwt.verify(token, key, { algorithms: [algorithm], issuer: this.settings.JWT_ISSUER, audience: this.settings.JWT_AUDIENCE });
    } catch {
      throw unauthorized();
    }
    const claims = UserClaims.safeParse(decoded);
    if (!claims.success) throw unauthorized();
    return { userId: claims.data.sub, orgId: claims.data.org, expiresAtMs: claims.data.exp * 1000 };
  }

  /** The token of an `Authorization: Bearer <token>` header. */
  verifyBearer(header: unknown): Promise<TokenSubject> {
    return this.verify(bearerToken(header));
  }

  private async keyFor(alg: string, kid: string | undefined): Promise<{ key: jwt.Secret; algorithm: jwt.Algorithm }> {
    if (alg === HMAC_ALGORITHM) return { key: this.hmacKey, algorithm: HMAC_ALGORITHM };
    if (!(PUBLIC_KEY_ALGORITHMS as readonly string[]).includes(alg)) throw unauthorized();
    // A kid names a JWKS key; without JWKS (or without a kid) the configured PEM key is the only candidate.
    const candidate = kid !== undefined && this.jwks ? await this.jwks.key(kid) : this.staticKey;
    if (!candidate || candidate.algorithm !== alg) throw unauthorized();
    return candidate;
  }
}

/** The unverified header, only to choose the key; undefined for anything malformed. */
function decodedHeader(token: string): unknown {
  try {
    return jwt.decode(token, { complete: true })?.header;
  } catch {
    return undefined;
  }
}

export function bearerToken(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function unauthorized(): ParleyError {
  return new ParleyError(ErrorCode.UNAUTHORIZED, 'invalid or expired token');
}
