import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import webpush from 'web-push';
import { ApnsProvider } from './apns.provider';
import { FcmProvider } from './fcm.provider';
import { PushProvidersConfig } from './push-providers.config';
import { PUSH_PROVIDERS, PushProvider } from './push-provider';
import { VapidKeys, WebPushProvider } from './web-push.provider';
import { WEB_PUSH_PUBLIC_KEY } from './web-push-public-key';

/** Subject of the development-only ephemeral VAPID keys (push services may write to it). */
const DEV_VAPID_SUBJECT = 'mailto:push-dev@parley.invalid';

/**
 * The providers whose settings are complete, from a config validated with
 * `requireCompletePushSettings`. Web Push is always on: outside production, without keys, it
 * runs on ephemeral keys (logged), and browser subscriptions made with them die at restart.
 */
export function createPushProviders(config: PushProvidersConfig, logger = new Logger('PushProviders')): PushProvider[] {
  const requestTimeoutMs = config.PUSH_REQUEST_TIMEOUT_MS;
  const providers: PushProvider[] = [new WebPushProvider({ vapid: vapidKeys(config, logger), requestTimeoutMs })];
  if (config.FCM_SERVICE_ACCOUNT_JSON) {
    providers.push(new FcmProvider({ serviceAccount: config.FCM_SERVICE_ACCOUNT_JSON, endpoint: config.FCM_ENDPOINT, requestTimeoutMs }));
  }
  const { APNS_KEY_ID: keyId, APNS_TEAM_ID: teamId, APNS_PRIVATE_KEY: privateKey, APNS_BUNDLE_ID: bundleId } = config;
  if (keyId && teamId && privateKey && bundleId) {
    providers.push(new ApnsProvider({ keyId, teamId, privateKey, bundleId, origin: config.APNS_ENDPOINT, requestTimeoutMs }));
  }
  logger.log(`push providers: ${providers.map((p) => p.platform).join(', ')}`);
  return providers;
}

function vapidKeys(config: PushProvidersConfig, logger: Logger): VapidKeys {
  const { WEB_PUSH_VAPID_PUBLIC_KEY: publicKey, WEB_PUSH_VAPID_PRIVATE_KEY: privateKey, WEB_PUSH_SUBJECT: subject } = config;
  if (publicKey && privateKey && subject) return { publicKey, privateKey, subject };
  if (config.NODE_ENV === 'production') throw new Error('VAPID keys are required in production (see requireCompletePushSettings)');
  logger.warn('WEB_PUSH_VAPID_* not set: using ephemeral VAPID keys; browser subscriptions made now stop working when this process restarts');
  return { ...webpush.generateVAPIDKeys(), subject: DEV_VAPID_SUBJECT };
}

/** Closes the providers' connections when the application shuts down. */
@Injectable()
class PushProvidersShutdown implements OnApplicationShutdown {
  constructor(@Inject(PUSH_PROVIDERS) private readonly providers: PushProvider[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.close?.()));
  }
}

/** Binds the configured providers to PUSH_PROVIDERS (a `PushProvider[]`) and the VAPID public key to WEB_PUSH_PUBLIC_KEY. */
@Module({})
export class PushProvidersModule {
  static forRoot(config: PushProvidersConfig): DynamicModule {
    return {
      module: PushProvidersModule,
      providers: [
        { provide: PUSH_PROVIDERS, useFactory: () => createPushProviders(config) },
        { provide: WEB_PUSH_PUBLIC_KEY, useFactory: webPushPublicKey, inject: [PUSH_PROVIDERS] },
        PushProvidersShutdown,
      ],
      exports: [PUSH_PROVIDERS, WEB_PUSH_PUBLIC_KEY],
    };
  }
}

function webPushPublicKey(providers: PushProvider[]): string | null {
  return providers.find((p): p is WebPushProvider => p instanceof WebPushProvider)?.vapidPublicKey ?? null;
}
