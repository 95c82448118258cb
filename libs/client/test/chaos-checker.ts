import type { Message } from '@parley/contracts';

/** One send() call: the stored message once acked, or the error it failed with. */
export interface SendRecord {
  conversationId: string;
  acked?: Message;
  error?: string;
}

/** What one SDK client did and saw during a chaos run. */
export interface ClientRecord {
  name: string;
  /** Conversations its user is a member of. */
  conversationIds: string[];
  /** Every send() call, by clientMsgId, with the stored message once acked. */
  sends: Map<string, SendRecord>;
  /** Every `message` event, in arrival order. */
  received: Message[];
  /** Sends still in the outbox at the end. */
  pending: number;
}

export interface ChaosFigures {
  conversations: number;
  clients: number;
  sent: number;
  acked: number;
  failed: number;
  stored: number;
  /** A clientMsgId stored more than once. */
  duplicates: number;
  /** Missing seqs in 1..n, summed over conversations. */
  gaps: number;
  /** An acked send that is not in history exactly once, at the seq and id its ack gave. */
  ackedNotStoredOnce: number;
  /** Stored messages no client ever saw acked (the outbox gave up on them, or they came from nowhere). */
  storedWithoutAck: number;
  /** (client, conversation) pairs whose received sequence differs from history. */
  divergentDevices: number;
  undrainedOutboxes: number;
  problems: string[];
}

const key = (m: Message) => `${m.senderId}\u0000${m.clientMsgId}`;
const same = (a: Message, b: Message) =>
  a.id === b.id && a.seq === b.seq && a.senderId === b.senderId && a.clientMsgId === b.clientMsgId && a.body === b.body && a.createdAt === b.createdAt;

/**
 * The checker of the chaos test, per conversation: every acked send stored exactly once,
 * seqs 1..n without gaps, every client's received sequence equal to history, every outbox
 * drained. Returns the figures and a line per problem found (at most a few per kind).
 */
export function checkChaos(histories: Map<string, Message[]>, clients: ClientRecord[], senderOf: (client: ClientRecord) => string): ChaosFigures {
  const problems: string[] = [];
  const note = (problem: string) => problems.length < 30 && problems.push(problem);
  let stored = 0,
    duplicates = 0,
    gaps = 0,
    ackedNotStoredOnce = 0,
    storedWithoutAck = 0,
    divergentDevices = 0;

  const ackedKeys = new Set<string>();
  for (const client of clients) for (const [clientMsgId, send] of client.sends) if (send.acked) ackedKeys.add(`${senderOf(client)}\u0000${clientMsgId}`);

  for (const [conversationId, history] of histories) {
    stored += history.length;
    const seqs = new Set(history.map((m) => m.seq));
    const highest = Math.max(0, ...seqs);
    if (highest !== seqs.size || history.some((m, i) => m.seq !== i + 1)) {
      gaps += highest - seqs.size;
      note(`${conversationId}: ${history.length} messages, ${seqs.size} distinct seqs, highest ${highest}, not ascending 1..n`);
    }
    const byKey = new Map<string, Message[]>();
    for (const m of history) byKey.set(key(m), [...(byKey.get(key(m)) ?? []), m]);
    for (const [k, copies] of byKey) {
      if (copies.length > 1) {
        duplicates += copies.length - 1;
        note(`${conversationId}: clientMsgId ${k.split('\u0000')[1]} stored ${copies.length} times`);
      }
      if (!ackedKeys.has(k)) {
        storedWithoutAck++;
        note(`${conversationId}: seq ${copies[0].seq} stored but never acked`);
      }
    }
    for (const client of clients) {
      if (!client.conversationIds.includes(conversationId)) continue;
      const got = client.received.filter((m) => m.conversationId === conversationId);
      if (got.length !== history.length || got.some((m, i) => !same(m, history[i]))) {
        divergentDevices++;
        const firstDiff = got.findIndex((m, i) => !history[i] || !same(m, history[i]));
        note(`${client.name} in ${conversationId}: received ${got.length} of ${history.length}, first difference at index ${firstDiff}`);
      }
    }
  }

  let sent = 0,
    acked = 0,
    failed = 0,
    undrainedOutboxes = 0;
  for (const client of clients) {
    if (client.pending > 0) {
      undrainedOutboxes++;
      note(`${client.name}: ${client.pending} sends still in the outbox`);
    }
    for (const [clientMsgId, send] of client.sends) {
      sent++;
      if (send.error) {
        failed++;
        note(`${client.name}: send ${clientMsgId} failed: ${send.error}`);
      }
      if (!send.acked) continue;
      acked++;
      const copies = (histories.get(send.conversationId) ?? []).filter((m) => m.senderId === senderOf(client) && m.clientMsgId === clientMsgId);
      if (copies.length !== 1 || !same(copies[0], send.acked)) {
        ackedNotStoredOnce++;
        note(`${client.name}: acked ${clientMsgId} (seq ${send.acked.seq}) is in history ${copies.length} times`);
      }
    }
  }

  return {
    conversations: histories.size,
    clients: clients.length,
    sent,
    acked,
    failed,
    stored,
    duplicates,
    gaps,
    ackedNotStoredOnce,
    storedWithoutAck,
    divergentDevices,
    undrainedOutboxes,
    problems,
  };
}
