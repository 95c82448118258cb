import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { clientIp } from '../limits/client-ip';
import { RateLimits } from '../limits/rate-limits';
import { HttpRequest } from './http-request';
import { AuthenticatedRequest } from './user-token.guard';

/** Admin calls per client IP; runs before the token check, so guessing the admin token is throttled too. */
@Injectable()
export class AdminRateLimitGuard implements CanActivate {
  constructor(
    private readonly limits: RateLimits,
    @Inject(GATEWAY_CONFIG) private readonly config: Pick<GatewayConfig, 'TRUST_PROXY'>,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    this.limits.adminCall(clientIp(request.headers, request.socket?.remoteAddress, this.config.TRUST_PROXY));
    return true;
  }
}

/** Client REST calls per user (the user's `other` bucket); runs after UserTokenGuard. */
@Injectable()
export class UserRateLimitGuard implements CanActivate {
  constructor(private readonly limits: RateLimits) {}

  canActivate(context: ExecutionContext): boolean {
    const { actor } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (actor) this.limits.restCall(actor.userId);
    return true;
  }
}
