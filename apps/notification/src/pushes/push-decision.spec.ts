import { UnseenMessages } from '@parley/contracts';
import { candidateOf, decide } from './push-decision';
import { DuePush } from './push-state.repository';

const due = (overrides: Partial<DuePush> = {}): DuePush => ({
  userId: 'u',
  deviceId: 'phone',
  conversationId: 'c',
  orgId: 'o',
  platform: 'fcm',
  target: { platform: 'fcm', token: 't' },
  lastSeq: 10,
  coveredSeq: 7,
  shownSeq: 0,
  alertDue: true,
  clearDue: false,
  attempts: 0,
  ...overrides,
});
const unseen = (count: number, firstSeq?: number, lastSeq?: number): UnseenMessages => ({
  userId: 'u',
  deviceId: 'phone',
  conversationId: 'c',
  count,
  ...(firstSeq ? { firstSeq, lastSeq } : {}),
  senderIds: count ? ['a'] : [],
});

describe('decide', () => {
  it('asks the store about what came after the last push, up to the newest message taken in', () => {
    expect(candidateOf(due())).toEqual({ userId: 'u', deviceId: 'phone', conversationId: 'c', afterSeq: 7, upToSeq: 10 });
  });

  it('alerts with exactly the messages the device has not seen', () => {
    expect(decide(due(), unseen(2, 9, 10))).toEqual({ action: 'alert', unseen: unseen(2, 9, 10) });
  });

  it('pushes nothing when the device got everything or the user read it elsewhere', () => {
    expect(decide(due(), unseen(0))).toEqual({ action: 'settle', thenClear: false });
  });

  it('still clears a shown notification when the pending alert turned out unneeded', () => {
    expect(decide(due({ clearDue: true, shownSeq: 5 }), unseen(0))).toEqual({ action: 'settle', thenClear: true });
  });

  it('forgets a device whose user left the conversation', () => {
    expect(decide(due(), undefined)).toEqual({ action: 'forget' });
  });

  it('sends a due clear only to a device that shows something', () => {
    expect(decide(due({ alertDue: false, clearDue: true, shownSeq: 4 }), undefined)).toEqual({ action: 'clear' });
    expect(decide(due({ alertDue: false, clearDue: true, shownSeq: 0 }), undefined)).toEqual({ action: 'dropClear' });
  });
});
