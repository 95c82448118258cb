import { Injectable } from '@nestjs/common';
import { HistoryDeliveryCommands, MAX_DELIVERY_STATE_ENTRIES, PushCandidate, UnseenMessages } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { DeliveryFacts } from '../ports/delivery-facts';

/** DeliveryFacts from the history service, in as few requests as its bounds allow. */
@Injectable()
export class HistoryDeliveryFacts extends DeliveryFacts {
  constructor(private readonly bus: NatsBus) {
    super();
  }

  async unseenMessages(orgId: string, candidates: readonly PushCandidate[], withPreview: boolean): Promise<UnseenMessages[]> {
    const answers = await Promise.all(
      chunks(candidates).map((chunk) => this.bus.request(HistoryDeliveryCommands.unseenMessages, { orgId, candidates: chunk, withPreview })),
    );
    return answers.flatMap((answer) => answer.entries);
  }

  async unreadTotals(orgId: string, userIds: readonly string[]): Promise<Record<string, number>> {
    const answers = await Promise.all(
      chunks([...new Set(userIds)]).map((chunk) => this.bus.request(HistoryDeliveryCommands.unreadTotals, { orgId, userIds: chunk })),
    );
    return Object.assign({}, ...answers.map((answer) => answer.totals));
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_DELIVERY_STATE_ENTRIES) out.push(items.slice(i, i + MAX_DELIVERY_STATE_ENTRIES));
  return out;
}
