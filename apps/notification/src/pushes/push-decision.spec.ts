import { DeliveryState } from '@parley/contracts';
import { decide } from './push-decision';
import { DuePush } from './push-state.repository';

const due = (overrides: Partial<DuePush> = {}): DuePush => ({
  userId: 'u',
  deviceId: 'phone',
  conversationId: 'c',
  orgId: 'o',
  platform: 'webpush',
  target: { platform: 'fcm', token: 't' },
  lastSeq: 10,
  pendingCount: 3,
  firstPendingSeq: 8,
  senderIds: ['a'],
  preview: 'hi',
  alertDue: true,
  clearDue: false,
  shownSeq: 0,
  attempts: 0,
  ...overrides,
});
const state = (deviceDeliveredSeq: number, readSeq = 0): DeliveryState => ({ userId: 'u', deviceId: 'phone', conversationId: 'c', deviceDeliveredSeq, readSeq });

describe('decide', () => {
  it('alerts a device that acknowledged none of the pending messages, counting them all', () => {
    expect(decide(due(), state(7))).toEqual({ action: 'alert', firstSeq: 8, count: 3 });
  });

  it('counts only what the device has not acknowledged', () => {
    expect(decide(due(), state(9))).toEqual({ action: 'alert', firstSeq: 10, count: 1 });
  });

  it('pushes nothing when the device got everything, or the user read it elsewhere', () => {
    expect(decide(due(), state(10))).toEqual({ action: 'settle', thenClear: false });
    expect(decide(due(), state(0, 12))).toEqual({ action: 'settle', thenClear: false });
  });

  it('still clears a shown notification when the pending alert turned out unneeded', () => {
    expect(decide(due({ clearDue: true, shownSeq: 5 }), state(10))).toEqual({ action: 'settle', thenClear: true });
  });

  it('forgets a device whose user left the conversation', () => {
    expect(decide(due(), undefined)).toEqual({ action: 'forget' });
  });

  it('sends a due clear only to a device that shows something', () => {
    expect(decide(due({ alertDue: false, clearDue: true, shownSeq: 4 }), undefined)).toEqual({ action: 'clear' });
    expect(decide(due({ alertDue: false, clearDue: true, shownSeq: 0 }), undefined)).toEqual({ action: 'dropClear' });
  });
});
