import { Inject, Injectable } from '@nestjs/common';
import { Actor, ErrorCode, ParleyError, PushConfig, PushPlatform, PushRegistration, PushRegistrationInput } from '@parley/contracts';
import { PUSH_PROVIDERS, PushProvider, PushTarget } from '../providers/push-provider';
import { WEB_PUSH_PUBLIC_KEY } from '../providers/web-push-public-key';
import { PushRegistrationRepository } from './push-registration.repository';

/** A device's push target: registered, replaced, removed, listed; only for platforms this deployment pushes to. */
@Injectable()
export class PushRegistrationService {
  private readonly platforms: Set<PushPlatform>;

  constructor(
    private readonly registrations: PushRegistrationRepository,
    @Inject(PUSH_PROVIDERS) providers: PushProvider[],
    @Inject(WEB_PUSH_PUBLIC_KEY) private readonly webPushPublicKey: string | null,
  ) {
    this.platforms = new Set(providers.map((p) => p.platform));
  }

  config(): PushConfig {
    return {
      platforms: [...this.platforms],
      ...(this.webPushPublicKey ? { webPushPublicKey: this.webPushPublicKey } : {}),
    };
  }

  async register(actor: Actor, input: PushRegistrationInput): Promise<PushRegistration> {
    if (!this.platforms.has(input.platform)) {
      throw new ParleyError(ErrorCode.BAD_REQUEST, `this server does not push to ${input.platform}; it pushes to: ${[...this.platforms].join(', ') || 'nothing'}`);
    }
    const target: PushTarget =
      input.platform === 'webpush' ? { platform: 'webpush', subscription: input.subscription } : { platform: input.platform, token: input.token };
    const registration = await this.registrations.upsert(actor.orgId, { userId: actor.userId, deviceId: input.deviceId }, target);
    if (!registration) throw new ParleyError(ErrorCode.UNAUTHORIZED, 'the user is not active');
    return registration;
  }

  async unregister(actor: Actor, deviceId: string): Promise<void> {
    const removed = await this.registrations.remove({ userId: actor.userId, deviceId });
    if (!removed) throw new ParleyError(ErrorCode.NOT_FOUND, 'no push registration for this device');
  }

  list(actor: Actor): Promise<PushRegistration[]> {
    return this.registrations.list(actor.userId);
  }
}
