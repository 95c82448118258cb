import { Actor, TypingNotice } from '@parley/contracts';
import { ConversationMembers, PresenceNotifier } from '../sessions/presence-ports';
import { TYPING_REFRESH_MS, TypingService } from './typing.service';

const ana: Actor = { userId: 'ana', orgId: 'o1', deviceId: 'phone' };
const eve: Actor = { userId: 'eve', orgId: 'o1', deviceId: 'phone' };

class Members extends ConversationMembers {
  lookups = 0;
  async membersOf(actor: Actor): Promise<readonly string[] | null> {
    this.lookups++;
    return actor.userId === 'eve' ? null : ['ana', 'ben', 'cid'];
  }
}

class RecordingNotifier extends PresenceNotifier {
  readonly notices: Array<{ typing: boolean; at: number; recipientIds: string[] }> = [];
  presenceChanged(): void {
    throw new Error('not expected');
  }
  typingChanged(notice: TypingNotice, recipientIds: string[]): void {
    this.notices.push({ typing: notice.typing, at: Date.now(), recipientIds });
  }
}

describe('TypingService', () => {
  let notifier: RecordingNotifier;
  let service: TypingService;
  const report = (actor: Actor, typing: boolean) => service.report(actor, { conversationId: 'c1', typing });

  beforeEach(() => {
    jest.useFakeTimers();
    notifier = new RecordingNotifier();
    service = new TypingService({ PRESENCE_TYPING_MAX_PER_SECOND: 2 }, new Members(), notifier);
  });

  afterEach(() => {
    service.onModuleDestroy();
    jest.useRealTimers();
  });

  it('tells the other members, and ends a true that is not repeated after 6 s', async () => {
    const start = Date.now();
    await report(ana, true);
    expect(notifier.notices).toEqual([{ typing: true, at: start, recipientIds: ['ben', 'cid'] }]);
    await jest.advanceTimersByTimeAsync(5999);
    expect(notifier.notices).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(notifier.notices[1]).toEqual({ typing: false, at: start + 6000, recipientIds: ['ben', 'cid'] });
  });

  it('drops reports of non-members', async () => {
    await report(eve, true);
    expect(notifier.notices).toEqual([]);
  });

  it('forwards at most the configured rate and always delivers the last state', async () => {
    const start = Date.now();
    for (let i = 0; i < 100; i++) await report(ana, i % 2 === 0);
    await report(ana, false);
    await jest.advanceTimersByTimeAsync(2000);
    expect(notifier.notices.map((n) => [n.typing, n.at - start])).toEqual([
      [true, 0],
      [false, 500],
    ]);
  });

  it('repeats true every 3 s while the typist keeps reporting, never more often', async () => {
    const start = Date.now();
    for (let t = 0; t <= 7000; t += 250) {
      await report(ana, true);
      await jest.advanceTimersByTimeAsync(250);
    }
    expect(notifier.notices.map((n) => n.at - start)).toEqual([0, TYPING_REFRESH_MS, 2 * TYPING_REFRESH_MS]);
    expect(notifier.notices.every((n) => n.typing)).toBe(true);
  });
});
