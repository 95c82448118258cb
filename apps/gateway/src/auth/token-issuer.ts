import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

/** Signs user tokens that JwtVerifier accepts. */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(GATEWAY_CONFIG)
    private readonly settings: Pick<GatewayConfig, 'JWT_SECRET' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_DEFAULT_TTL_SECONDS'>,
  ) {}

  issue(subject: { userId: string; orgId: string }, ttlSeconds = this.settings.JWT_DEFAULT_TTL_SECONDS): IssuedToken {
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAt + ttlSeconds;
    const token = jwt.sign({ org: subject.orgId, iat: issuedAt, exp: expiresAtSeconds }, this.settings.JWT_SECRET, {
      algorithm: 'HS256',
      subject: subject.userId,
      issuer: this.settings.JWT_ISSUER,
      audience: this.settings.JWT_AUDIENCE,
    });
    return { token, expiresAt: new Date(expiresAtSeconds * 1000).toISOString() };
  }
}
