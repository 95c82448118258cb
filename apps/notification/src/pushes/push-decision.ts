import { DeliveryState } from '@parley/contracts';
import { DuePush } from './push-state.repository';

/**
 * What to do with one due (device, conversation), from the message store's answer:
 * - `alert`: the device did not acknowledge `count` messages up to the newest and nobody read them;
 *   an alert replaces what the device shows (same collapse key), so it serves a due clear too;
 * - `settle`: nothing pending needs a push (it reached the device or was read); then a silent
 *   clear if one is due and the device shows something;
 * - `clear`: only a silent clear is due; `dropClear`: one was due but the device shows nothing;
 * - `forget`: the user left the conversation.
 */
export type PushDecision =
  | { action: 'alert'; firstSeq: number; count: number }
  | { action: 'settle'; thenClear: boolean }
  | { action: 'clear' }
  | { action: 'dropClear' }
  | { action: 'forget' };

export function decide(push: DuePush, state: DeliveryState | undefined): PushDecision {
  const clearWanted = push.clearDue && push.shownSeq > 0;
  if (!push.alertDue) return clearWanted ? { action: 'clear' } : { action: 'dropClear' };
  if (push.pendingCount === 0) return { action: 'settle', thenClear: clearWanted };
  if (!state) return { action: 'forget' };
  const settled = Math.max(state.deviceDeliveredSeq, state.readSeq);
  if (settled >= push.lastSeq) return { action: 'settle', thenClear: clearWanted };
  const firstSeq = Math.max(push.firstPendingSeq ?? push.lastSeq, settled + 1);
  return { action: 'alert', firstSeq, count: Math.min(push.pendingCount, push.lastSeq - firstSeq + 1) };
}
