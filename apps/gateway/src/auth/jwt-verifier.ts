import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ErrorCode, Id, ParleyError } from '@parley/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

export interface TokenSubject {
  userId: string;
  orgId: string;
}

/** The claims a Parley user token must carry (exp is required: tokens never live forever). */
const UserClaims = z.object({ sub: Id, org: Id, exp: z.number() });

export type JwtSettings = Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE'>;

/**
 * Checks user tokens for every transport (the Socket.IO handshake and the client REST
 * API): HS256 only (no `none`, no algorithm confusion), our issuer and audience, not
 * expired. Any failure is the same UNAUTHORIZED, so callers learn nothing about why.
 */
@Injectable()
export class JwtVerifier {
  constructor(@Inject(GATEWAY_CONFIG) private readonly settings: JwtSettings) {}

  verify(token: unknown): TokenSubject {
    if (typeof token !== 'string' || token.length === 0) throw unauthorized();
    let decoded: unknown;
    try {
      decoded = jwt.verify(token, this.settings.JWT_SECRET, {
        algorithms: ['HS256'],
        issuer: this.settings.JWT_ISSUER,
        audience: this.settings.JWT_AUDIENCE,
      });
    } catch {
      throw unauthorized();
    }
    const claims = UserClaims.safeParse(decoded);
    if (!claims.success) throw unauthorized();
    return { userId: claims.data.sub, orgId: claims.data.org };
  }

  /** The token of an `Authorization: Bearer <token>` header. */
  verifyBearer(header: unknown): TokenSubject {
    return this.verify(bearerToken(header));
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
