import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PushPlatform, UnseenMessages } from '@parley/contracts';
import { countPush } from '@parley/telemetry';
import { NOTIFICATION_CONFIG, NotificationConfig } from '../notification.config';
import { DeliveryFacts } from '../ports/delivery-facts';
import { UserNames } from '../ports/user-names';
import { PUSH_PROVIDERS, PushNotification, PushOutcome, PushProvider } from '../providers/push-provider';
import { PushRegistrationRepository } from '../registrations/push-registration.repository';
import { composeAlert, composeClear, previewOf } from './notification-composer';
import { candidateOf, decide, PushDecision } from './push-decision';
import { DuePush, PushStateRepository } from './push-state.repository';

type PushKind = 'alert' | 'clear';

/**
 * Pushes what is due: takes due (device, conversation) rows under a lease (replicas
 * share the work), asks the message store once per org which messages each device has
 * not seen (not acknowledged, not read anywhere), and pushes only those. A provider
 * that fails is retried with backoff, a dead registration removed; nothing here waits on
 * the message path, which only ever wrote a row.
 */
@Injectable()
export class PushDispatcher implements BeforeApplicationShutdown, OnApplicationBootstrap {
  private readonly logger = new Logger(PushDispatcher.name);
  private readonly providers: Map<PushPlatform, PushProvider>;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Rows taken and not settled yet, and the work settling them. */
  private inFlight = 0;
  private readonly working = new Set<Promise<void>>();

  constructor(
    @Inject(NOTIFICATION_CONFIG) private readonly config: NotificationConfig,
    @Inject(PUSH_PROVIDERS) providers: PushProvider[],
    private readonly state: PushStateRepository,
    private readonly registrations: PushRegistrationRepository,
    private readonly facts: DeliveryFacts,
    private readonly names: UserNames,
  ) {
    this.providers = new Map(providers.map((p) => [p.platform, p]));
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.pass;
    await Promise.all(this.working);
  }

  /**
   * One pass: takes what is due, up to PUSH_DISPATCH_BATCH rows in flight, and starts
   * pushing it without waiting: a provider that hangs holds only its own rows, never the
   * next pass. Answers how many rows it took.
   */
  async dispatchDue(): Promise<number> {
    const room = this.config.PUSH_DISPATCH_BATCH - this.inFlight;
    if (room <= 0) return 0;
    const due = await this.state.claimDue(room, this.config.PUSH_LEASE_MS);
    const byOrg = new Map<string, DuePush[]>();
    for (const push of due) byOrg.set(push.orgId, [...(byOrg.get(push.orgId) ?? []), push]);
    for (const [orgId, pushes] of byOrg) this.track(pushes.length, this.dispatchOrg(orgId, pushes));
    return due.length;
  }

  /** Work on taken rows; a failure leaves them leased, to be taken again when the lease ends. */
  private track(rows: number, work: Promise<void>): void {
    this.inFlight += rows;
    const tracked = work
      .catch((err) => this.logger.error(`pushes failed, retried after the lease: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.inFlight -= rows;
        this.working.delete(tracked);
      });
    this.working.add(tracked);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.dispatchDue()
        .then((taken) => this.schedule(taken > 0 && this.inFlight < this.config.PUSH_DISPATCH_BATCH ? 0 : this.config.PUSH_DISPATCH_INTERVAL_MS))
        .catch((err) => {
          this.logger.error(`push dispatch failed, trying again: ${err instanceof Error ? err.message : String(err)}`);
          this.schedule(this.config.PUSH_DISPATCH_INTERVAL_MS);
        });
    }, delayMs);
  }

  private async dispatchOrg(orgId: string, pushes: DuePush[]): Promise<void> {
    const alerts = pushes.filter((p) => p.alertDue);
    const unseen = alerts.length ? await this.facts.unseenMessages(orgId, alerts.map(candidateOf), this.config.PUSH_CONTENT === 'preview') : [];
    const unseenOf = new Map(unseen.map((u) => [keyOf(u), u]));
    const decisions = pushes.map((push) => ({ push, decision: decide(push, unseenOf.get(keyOf(push))) }));
    const badgeUsers = decisions.filter(({ decision }) => sends(decision)).map(({ push }) => push.userId);
    const badges = badgeUsers.length ? await this.facts.unreadTotals(orgId, badgeUsers) : {};
    await Promise.all(decisions.map(({ push, decision }) => this.carryOut(push, decision, badges[push.userId] ?? 0)));
  }

  private async carryOut(push: DuePush, decision: PushDecision, badge: number): Promise<void> {
    const { PUSH_DELIVERY_GRACE_MS: grace, PUSH_COLLAPSE_WINDOW_MS: window } = this.config;
    switch (decision.action) {
      case 'forget':
        return this.state.forget(push);
      case 'dropClear':
        return this.state.settleClear(push);
      case 'settle':
        countPush(push.platform, 'alert', 'delivered');
        await this.state.settleAlert(push, false, grace, window);
        if (decision.thenClear) return this.push(push, 'clear', composeClear(push.conversationId, badge, this.config.PUSH_TTL_SECONDS));
        if (push.clearDue) return this.state.settleClear(push);
        return;
      case 'clear':
        return this.push(push, 'clear', composeClear(push.conversationId, badge, this.config.PUSH_TTL_SECONDS));
      case 'alert': {
        const { unseen } = decision;
        const alert = composeAlert(
          {
            conversationId: push.conversationId,
            orgId: push.orgId,
            firstSeq: unseen.firstSeq,
            lastSeq: unseen.lastSeq,
            count: unseen.count,
            senderNames: await this.senderNames(push.orgId, unseen.senderIds),
            preview: unseen.preview === undefined ? null : previewOf(unseen.preview),
            badge,
          },
          { content: this.config.PUSH_CONTENT, appName: this.config.PUSH_APP_NAME, ttlSeconds: this.config.PUSH_TTL_SECONDS },
        );
        return this.push(push, 'alert', alert);
      }
    }
  }

  private async push(push: DuePush, kind: PushKind, notification: PushNotification): Promise<void> {
    const provider = this.providers.get(push.platform);
    const outcome: PushOutcome = provider
      ? await provider.send(push.target, notification)
      : { status: 'rejected', reason: `no ${push.platform} provider is configured` };
    countPush(push.platform, kind, outcome.status === 'retry' && push.attempts + 1 >= this.config.PUSH_MAX_ATTEMPTS ? 'given_up' : outcome.status);
    switch (outcome.status) {
      case 'sent':
        return kind === 'alert'
          ? this.state.settleAlert(push, true, this.config.PUSH_DELIVERY_GRACE_MS, this.config.PUSH_COLLAPSE_WINDOW_MS)
          : this.state.settleClear(push);
      case 'gone':
        this.logger.log(`removed the ${push.platform} registration of device ${push.deviceId}: ${outcome.reason}`);
        return this.registrations.removeTarget(push, push.target);
      case 'retry':
        if (push.attempts + 1 < this.config.PUSH_MAX_ATTEMPTS) return this.state.retryLater(push, this.retryDelayMs(push.attempts, outcome.retryAfterMs));
        this.logger.warn(`gave up a ${push.platform} ${kind} after ${this.config.PUSH_MAX_ATTEMPTS} attempts: ${outcome.reason}`);
        return this.giveUp(push, kind);
      case 'rejected':
        this.logger.warn(`${push.platform} refused a ${kind} push: ${outcome.reason}`);
        return this.giveUp(push, kind);
    }
  }

  private giveUp(push: DuePush, kind: PushKind): Promise<void> {
    return kind === 'alert'
      ? this.state.settleAlert(push, false, this.config.PUSH_DELIVERY_GRACE_MS, this.config.PUSH_COLLAPSE_WINDOW_MS)
      : this.state.settleClear(push);
  }

  private retryDelayMs(attempts: number, retryAfterMs = 0): number {
    const backoff = Math.min(this.config.PUSH_RETRY_MAX_MS, this.config.PUSH_RETRY_BASE_MS * 2 ** attempts);
    return Math.max(backoff, retryAfterMs);
  }

  private async senderNames(orgId: string, senderIds: readonly string[]): Promise<string[]> {
    const names = await Promise.all(senderIds.map((id) => this.names.displayName(orgId, id)));
    return names.filter((name): name is string => name !== null);
  }
}

function sends(decision: PushDecision): boolean {
  return decision.action === 'alert' || decision.action === 'clear' || (decision.action === 'settle' && decision.thenClear);
}

function keyOf(k: Pick<UnseenMessages, 'userId' | 'deviceId' | 'conversationId'>): string {
  return `${k.userId}\u0000${k.deviceId}\u0000${k.conversationId}`;
}
