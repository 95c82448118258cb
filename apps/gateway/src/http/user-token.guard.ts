import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { Actor } from '@parley/contracts';
import { ActiveUsers } from '../auth/active-users';
import { JwtVerifier } from '../auth/jwt-verifier';
import { HttpRequest } from './http-request';

/** REST calls are not a device of their own; this id keeps them apart from socket devices. */
export const REST_DEVICE_ID = 'rest';

export type AuthenticatedRequest = HttpRequest & { actor?: Actor };

/** Client endpoints: `Authorization: Bearer <user JWT>`; the verified user becomes the request's actor. */
@Injectable()
export class UserTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: JwtVerifier,
    private readonly activeUsers: ActiveUsers,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const { userId, orgId } = await this.verifier.verifyBearer(request.headers.authorization);
    await this.activeUsers.requireActive(orgId, userId);
    request.actor = { userId, orgId, deviceId: REST_DEVICE_ID };
    return true;
  }
}

/** The actor set by UserTokenGuard. */
export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().actor as Actor;
});
