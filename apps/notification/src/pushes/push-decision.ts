import { UnseenMessages } from '@parley/contracts';
import { DuePush } from './push-state.repository';

/**
 * What to do with one due (device, conversation), from the store's answer about the
 * messages the device has not seen:
 * - `alert`: some are unseen (not acknowledged by the device, not read anywhere); an alert
 *   replaces what the device shows (same collapse key), so it serves a due clear too;
 * - `settle`: none are: no alert; then a silent clear if one is due and the device shows something;
 * - `clear`: only a silent clear is due; `dropClear`: one was due but the device shows nothing;
 * - `forget`: the user left the conversation.
 */
export type PushDecision =
  | { action: 'alert'; unseen: UnseenMessages & { firstSeq: number; lastSeq: number } }
  | { action: 'settle'; thenClear: boolean }
  | { action: 'clear' }
  | { action: 'dropClear' }
  | { action: 'forget' };

export function decide(push: DuePush, unseen: UnseenMessages | undefined): PushDecision {
  const clearWanted = push.clearDue && push.shownSeq > 0;
  if (!push.alertDue) return clearWanted ? { action: 'clear' } : { action: 'dropClear' };
  if (!unseen) return { action: 'forget' };
  if (unseen.count === 0 || unseen.firstSeq === undefined || unseen.lastSeq === undefined) return { action: 'settle', thenClear: clearWanted };
  return { action: 'alert', unseen: { ...unseen, firstSeq: unseen.firstSeq, lastSeq: unseen.lastSeq } };
}

/** The question the store answers for a due alert: what of (covered, newest] this device has not seen. */
export function candidateOf(push: DuePush) {
  return { userId: push.userId, deviceId: push.deviceId, conversationId: push.conversationId, afterSeq: push.coveredSeq, upToSeq: push.lastSeq };
}
