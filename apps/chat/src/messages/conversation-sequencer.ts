import { Inject, Injectable, Logger } from '@nestjs/common';
import { Actor, ErrorCode, Message, MessageSendInput, ParleyError } from '@parley/contracts';
import { describe } from '@parley/nats';
import { newMessageId } from '@parley/sharding';
import { accessError } from '../conversations/conversation-access';
import { ChatEventsPublisher, MessageEventSink } from '../events/chat-events.publisher';
import { ConversationState, HotConversations } from './hot-conversations';
import { MessageDraft, MessageWriteRepository, MessageWriteStore, SendKey } from './message-write.repository';

/** Sends written in one statement at most (group commit). */
export const MAX_BATCH = 200;
/** Tries of one batch against other writers before the senders are told to retry. */
const MAX_ATTEMPTS = 20;
const SHUTDOWN_GRACE_MS = 5000;

interface PendingSend {
  actor: Actor;
  clientMsgId: string;
  body: string;
  resolve(message: Message): void;
  reject(err: unknown): void;
}

/** Sends of one batch that share (sender, clientMsgId): one write, one answer for all. */
interface Write {
  key: SendKey;
  body: string;
  senders: PendingSend[];
}

interface Lane {
  queue: PendingSend[];
  running?: Promise<void>;
}

/**
 * The single writer of each conversation this node owns. Sends of one conversation
 * queue in a lane; while a write is in flight new sends wait, and the next write
 * takes everything waiting (up to MAX_BATCH) in one statement. Seqs are assigned
 * here from the conversation's lastSeq and the database's primary key on
 * (conversation, seq) fences a stale writer: on conflict the state is reloaded and
 * the batch renumbered, so a seq is never skipped and never given twice. A send is
 * answered only after its batch committed, then its MessageCreated goes out in seq
 * order.
 */
@Injectable()
export class ConversationSequencer {
  private readonly logger = new Logger(ConversationSequencer.name);
  private readonly lanes = new Map<string, Lane>();

  constructor(
    private readonly hot: HotConversations,
    @Inject(MessageWriteRepository) private readonly store: MessageWriteStore,
    @Inject(ChatEventsPublisher) private readonly events: MessageEventSink,
  ) {}

  send(actor: Actor, input: MessageSendInput): Promise<Message> {
    return new Promise<Message>((resolve, reject) => {
      const lane = this.laneOf(input.conversationId);
      lane.queue.push({ actor, clientMsgId: input.clientMsgId, body: input.body, resolve, reject });
      lane.running ??= this.drain(input.conversationId, lane);
    });
  }

  /** Resolves when no write is in flight any more, or after timeoutMs. */
  async whenIdle(timeoutMs = SHUTDOWN_GRACE_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lanes.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.all([...this.lanes.values()].map((l) => l.running)),
        new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
      ]);
    }
  }

  private laneOf(conversationId: string): Lane {
    let lane = this.lanes.get(conversationId);
    if (!lane) {
      lane = { queue: [] };
      this.lanes.set(conversationId, lane);
    }
    return lane;
  }

  private async drain(conversationId: string, lane: Lane): Promise<void> {
    // After the caller's turn: the sends of one NATS read are handed in synchronously, one after
    // the other, and go in one batch instead of the first going alone.
    await Promise.resolve();
    while (lane.queue.length > 0) {
      await this.writeBatch(conversationId, lane.queue.splice(0, MAX_BATCH));
    }
    this.lanes.delete(conversationId);
  }

  /** Answers every send of the batch; never throws. */
  private async writeBatch(conversationId: string, batch: PendingSend[]): Promise<void> {
    try {
      let state = await this.hot.get(conversationId);
      let open = batch;
      for (let attempt = 1; ; attempt++) {
        open = answerWithoutWriting(state, open);
        if (!state || open.length === 0) return;
        const firstSeq = state.lastSeq + 1;
        const writes = groupBySendKey(open);
        const drafts = writes.map((w, i) => ({ seq: firstSeq + i, id: newMessageId(), ...w.key, body: w.body }));
        const outcome = await this.store.append(conversationId, state.orgId, drafts);
        if (outcome.kind === 'stored') {
          this.commit(state, writes, drafts, outcome.messages);
          return;
        }
        if (attempt >= MAX_ATTEMPTS) throw new ParleyError(ErrorCode.UNAVAILABLE, 'the conversation is busy, retry the send');
        if (outcome.kind === 'seq-taken') {
          // Another node wrote this conversation (ownership moved): take its seqs, members and recent messages.
          state = await this.hot.reload(conversationId);
          await jitter(attempt);
        } else {
          // A retry of a send that is stored but no longer in the recent cache.
          const stored = await this.store.findSent(conversationId, writes.map((w) => w.key));
          open = answerFrom(stored, open);
        }
      }
    } catch (err) {
      // Whether anything committed is unknown now: rebuild the state from the database.
      this.hot.forget(conversationId);
      if (!(err instanceof ParleyError)) this.logger.error(`writing to ${conversationId} failed: ${describe(err)}`);
      for (const send of batch) send.reject(err); // no-op for the sends already answered
    }
  }

  private commit(state: ConversationState, writes: Write[], drafts: MessageDraft[], stored: Message[]): void {
    const bySeq = new Map(stored.map((m) => [m.seq, m]));
    state.recordCommitted(stored);
    const memberIds = state.memberIds;
    writes.forEach((write, i) => {
      const message = bySeq.get(drafts[i].seq)!;
      for (const send of write.senders) send.resolve(message);
    });
    for (const message of stored) this.events.messageCreated(state.orgId, message, memberIds);
  }
}

/** Refuses sends the actor may not make and answers retries found in the recent cache. */
function answerWithoutWriting(state: ConversationState | null, sends: PendingSend[]): PendingSend[] {
  return sends.filter((send) => {
    const denied = accessError(state, send.actor);
    if (denied) {
      send.reject(denied);
      return false;
    }
    const known = state!.findRecent(send.actor.userId, send.clientMsgId);
    if (known) send.resolve(known);
    return !known;
  });
}

function answerFrom(stored: Message[], sends: PendingSend[]): PendingSend[] {
  return sends.filter((send) => {
    const known = stored.find((m) => m.senderId === send.actor.userId && m.clientMsgId === send.clientMsgId);
    if (known) send.resolve(known);
    return !known;
  });
}

/** The first send of a (sender, clientMsgId) decides the body; later ones in the batch are retries of it. */
function groupBySendKey(sends: PendingSend[]): Write[] {
  const writes = new Map<string, Write>();
  for (const send of sends) {
    const id = JSON.stringify([send.actor.userId, send.clientMsgId]);
    const write = writes.get(id);
    if (write) write.senders.push(send);
    else writes.set(id, { key: { senderId: send.actor.userId, clientMsgId: send.clientMsgId }, body: send.body, senders: [send] });
  }
  return [...writes.values()];
}

/** Two writers that collided should not collide again in lockstep. */
function jitter(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * Math.min(attempt, 10)));
}
