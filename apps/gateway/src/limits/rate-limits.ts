import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { RateLimit } from '@parley/config';
import { ClientEvent, RateLimitedError } from '@parley/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { TokenBuckets } from './token-buckets';

/** What a client event counts against. */
export type EventClass = 'send' | 'create' | 'typing' | 'sync' | 'other';

const CLASS_OF_EVENT: Partial<Record<string, EventClass>> = {
  [ClientEvent.MessageSend]: 'send',
  [ClientEvent.ConversationCreate]: 'create',
  [ClientEvent.ConversationMembersAdd]: 'create',
  [ClientEvent.ConversationMembersRemove]: 'create',
  [ClientEvent.Typing]: 'typing',
  [ClientEvent.Sync]: 'sync',
};

export function eventClass(event: string): EventClass {
  return CLASS_OF_EVENT[event] ?? 'other';
}

type LimitSettings = Pick<
  GatewayConfig,
  | 'RATE_LIMITS_ENABLED'
  | 'RATE_LIMIT_SEND_USER'
  | 'RATE_LIMIT_SEND_CONNECTION'
  | 'RATE_LIMIT_CREATE_USER'
  | 'RATE_LIMIT_CREATE_CONNECTION'
  | 'RATE_LIMIT_TYPING_USER'
  | 'RATE_LIMIT_TYPING_CONNECTION'
  | 'RATE_LIMIT_SYNC_USER'
  | 'RATE_LIMIT_SYNC_CONNECTION'
  | 'RATE_LIMIT_OTHER_USER'
  | 'RATE_LIMIT_OTHER_CONNECTION'
  | 'RATE_LIMIT_CONNECT_IP'
  | 'RATE_LIMIT_ADMIN_IP'
>;

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Every rate limit of this gateway (token buckets in this process, see TokenBuckets):
 * client events per user and per connection by class, client REST calls per user,
 * connection attempts and admin calls per IP. Each check throws RateLimitedError
 * (RATE_LIMITED with the wait) when over.
 */
@Injectable()
export class RateLimits implements OnModuleDestroy {
  private readonly perUser = new Map<EventClass, TokenBuckets>();
  private readonly perConnection = new Map<EventClass, TokenBuckets>();
  private readonly connectPerIp?: TokenBuckets;
  private readonly adminPerIp?: TokenBuckets;
  private readonly sweeper: NodeJS.Timeout;

  constructor(@Inject(GATEWAY_CONFIG) config: LimitSettings) {
    const enabled = (rate: RateLimit) => (config.RATE_LIMITS_ENABLED && rate ? new TokenBuckets(rate) : undefined);
    const classes: Array<[EventClass, RateLimit, RateLimit]> = [
      ['send', config.RATE_LIMIT_SEND_USER, config.RATE_LIMIT_SEND_CONNECTION],
      ['create', config.RATE_LIMIT_CREATE_USER, config.RATE_LIMIT_CREATE_CONNECTION],
      ['typing', config.RATE_LIMIT_TYPING_USER, config.RATE_LIMIT_TYPING_CONNECTION],
      ['sync', config.RATE_LIMIT_SYNC_USER, config.RATE_LIMIT_SYNC_CONNECTION],
      ['other', config.RATE_LIMIT_OTHER_USER, config.RATE_LIMIT_OTHER_CONNECTION],
    ];
    for (const [kind, user, connection] of classes) {
      const userBuckets = enabled(user);
      const connectionBuckets = enabled(connection);
      if (userBuckets) this.perUser.set(kind, userBuckets);
      if (connectionBuckets) this.perConnection.set(kind, connectionBuckets);
    }
    this.connectPerIp = enabled(config.RATE_LIMIT_CONNECT_IP);
    this.adminPerIp = enabled(config.RATE_LIMIT_ADMIN_IP);
    this.sweeper = setInterval(() => this.all().forEach((b) => b.sweep()), SWEEP_INTERVAL_MS).unref();
  }

  /** A client event of a socket. */
  event(event: string, userId: string, connectionId: string): void {
    const kind = eventClass(event);
    check(this.perConnection.get(kind), connectionId);
    check(this.perUser.get(kind), userId);
  }

  /** A client REST call (counts as the user's `other` events). */
  restCall(userId: string): void {
    check(this.perUser.get('other'), userId);
  }

  connectAttempt(ip: string): void {
    check(this.connectPerIp, ip);
  }

  adminCall(ip: string): void {
    check(this.adminPerIp, ip);
  }

  /** A closed connection's buckets go at once. */
  connectionClosed(connectionId: string): void {
    for (const buckets of this.perConnection.values()) buckets.forget(connectionId);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private all(): TokenBuckets[] {
    return [...this.perUser.values(), ...this.perConnection.values(), this.connectPerIp, this.adminPerIp].filter((b): b is TokenBuckets => !!b);
  }
}

function check(buckets: TokenBuckets | undefined, key: string): void {
  const waitMs = buckets?.take(key) ?? 0;
  if (waitMs > 0) throw new RateLimitedError(waitMs);
}
