import type { Message } from '@parley/contracts';

/** A missing range of one conversation: every seq in (afterSeq, beforeSeq) is missing. */
export interface Gap {
  conversationId: string;
  afterSeq: number;
  beforeSeq: number;
}

/** One conversation's delivery state. */
class ConversationSequence {
  /** Highest seq handed to the app, all lower ones included; undefined until a baseline is known. */
  cursor: number | undefined;
  /** Received but not deliverable yet: above a gap, or the baseline is not known. */
  readonly held = new Map<number, Message>();

  constructor(cursor?: number) {
    this.cursor = cursor;
  }

  /** Keeps what is new; returns what became deliverable, ascending. */
  accept(messages: readonly Message[]): Message[] {
    for (const message of messages) {
      if (this.cursor !== undefined && message.seq <= this.cursor) continue;
      if (!this.held.has(message.seq)) this.held.set(message.seq, message);
    }
    return this.drain();
  }

  /** Everything up to `seq` is known to be delivered already; held messages at or below it are dropped. */
  setBaseline(seq: number): Message[] {
    this.cursor = Math.max(this.cursor ?? 0, seq);
    for (const held of this.held.keys()) if (held <= this.cursor) this.held.delete(held);
    return this.drain();
  }

  lowestHeld(): number | undefined {
    let lowest: number | undefined;
    for (const seq of this.held.keys()) if (lowest === undefined || seq < lowest) lowest = seq;
    return lowest;
  }

  private drain(): Message[] {
    if (this.cursor === undefined) return [];
    const out: Message[] = [];
    for (let next = this.held.get(this.cursor + 1); next; next = this.held.get(this.cursor + 1)) {
      this.held.delete(next.seq);
      this.cursor = next.seq;
      out.push(next);
    }
    return out;
  }
}

/**
 * Turns messages arriving from several paths (message.new, send acks, sync, history.fetch),
 * in any order and any number of times, into one gap-free ascending stream per conversation
 * that holds each seq exactly once. No I/O here: the client feeds it and acts on what it says.
 */
export class Sequencer {
  private readonly conversations = new Map<string, ConversationSequence>();

  /** `cursors`: what the app already has (e.g. persisted from a previous run). */
  constructor(cursors: Record<string, number> = {}) {
    for (const [conversationId, seq] of Object.entries(cursors)) this.conversations.set(conversationId, new ConversationSequence(seq));
  }

  /** Feeds messages of one conversation; returns the ones now deliverable, in seq order. */
  accept(conversationId: string, messages: readonly Message[]): Message[] {
    return this.sequence(conversationId).accept(messages);
  }

  /** Sets a conversation's baseline (everything up to `seq` was delivered before); returns what became deliverable. */
  setBaseline(conversationId: string, seq: number): Message[] {
    return this.sequence(conversationId).setBaseline(seq);
  }

  /** Forgets what is held for a conversation whose baseline is still unknown (see ParleyClient's catch-up). */
  dropHeld(conversationId: string): void {
    this.conversations.get(conversationId)?.held.clear();
  }

  cursor(conversationId: string): number | undefined {
    return this.conversations.get(conversationId)?.cursor;
  }

  isKnown(conversationId: string): boolean {
    return this.cursor(conversationId) !== undefined;
  }

  /** The cursor of every conversation with a known baseline. */
  cursors(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [id, sequence] of this.conversations) if (sequence.cursor !== undefined) out[id] = sequence.cursor;
    return out;
  }

  /** Conversations with held messages and no baseline yet. */
  unknownWithHeld(): string[] {
    return [...this.conversations].filter(([, s]) => s.cursor === undefined && s.held.size > 0).map(([id]) => id);
  }

  /** The first missing range of a conversation, if messages are held above its cursor. */
  gap(conversationId: string): Gap | undefined {
    const sequence = this.conversations.get(conversationId);
    const lowest = sequence?.lowestHeld();
    if (!sequence || sequence.cursor === undefined || lowest === undefined) return undefined;
    return { conversationId, afterSeq: sequence.cursor, beforeSeq: lowest };
  }

  /** Every conversation with a gap. */
  gaps(): Gap[] {
    return [...this.conversations.keys()].map((id) => this.gap(id)).filter((g): g is Gap => g !== undefined);
  }

  private sequence(conversationId: string): ConversationSequence {
    let sequence = this.conversations.get(conversationId);
    if (!sequence) this.conversations.set(conversationId, (sequence = new ConversationSequence()));
    return sequence;
  }
}
