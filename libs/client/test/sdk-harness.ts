import type { Message } from '@parley/contracts';
import type { Socket } from 'socket.io-client';
import { Clock, openSocketIo, ParleyClient, ParleyClientOptions, SocketFactory } from '../src';

/**
 * One client's network: it can go down (connection attempts go to a port nobody listens on,
 * so they fail like an unreachable host) and can cut the live connection the way a dead link
 * or a crashed gateway does, without a goodbye.
 */
export class Network {
  online = true;
  /** Acked events emitted through this network, by name (sends counted once per attempt). */
  readonly emitted = new Map<string, number>();
  private live?: Socket;
  private liveUrl?: string;
  private attempts = 0;

  /** `gateways`: a load balancer's view, each attempt goes to the next one; default the client's url. */
  constructor(
    private readonly deadUrl: string,
    private readonly gateways: string[] = [],
  ) {}

  readonly factory: SocketFactory = (url, options) => {
    const target = this.gateways.length > 0 ? this.gateways[this.attempts++ % this.gateways.length] : url;
    const socket = openSocketIo(this.online ? target : this.deadUrl, options);
    const raw = socket as unknown as Socket;
    this.live = raw;
    this.liveUrl = this.online ? target : this.deadUrl;
    return {
      get connected() {
        return socket.connected;
      },
      on: (event, listener) => socket.on(event, listener),
      emit: (event, payload) => socket.emit(event, payload),
      disconnect: () => socket.disconnect(),
      timeout: (ms) => ({
        emit: (event, payload, ack) => {
          this.emitted.set(event, (this.emitted.get(event) ?? 0) + 1);
          return socket.timeout(ms).emit(event, payload, ack);
        },
      }),
    };
  };

  /** The gateway this client is connected to now, if connected. */
  get connectedTo(): string | undefined {
    return this.live?.connected ? this.liveUrl : undefined;
  }

  /** Drops the live connection, if any; true if there was one. */
  cut(): boolean {
    const raw = this.live;
    if (!raw?.connected) return false;
    raw.io.engine.close();
    return true;
  }
}

/**
 * Real time that can jump ahead: timers run on the real clock, and jump(ms) fires at once
 * every timer due within the jump. A client away for minutes runs its whole backoff schedule
 * in milliseconds.
 */
export class JumpClock implements Clock {
  private offset = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { due: number; callback: () => void; real: ReturnType<typeof setTimeout> }>();

  now(): number {
    return Date.now() + this.offset;
  }

  setTimeout(callback: () => void, ms: number): number {
    const id = this.nextId++;
    const real = setTimeout(() => {
      this.timers.delete(id);
      callback();
    }, ms);
    this.timers.set(id, { due: this.now() + ms, callback, real });
    return id;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.timers.get(handle as number);
    if (!timer) return;
    clearTimeout(timer.real);
    this.timers.delete(handle as number);
  }

  jump(ms: number): void {
    this.offset += ms;
    const due = [...this.timers].filter(([, t]) => t.due <= this.now()).sort((a, b) => a[1].due - b[1].due);
    for (const [id, timer] of due) {
      clearTimeout(timer.real);
      this.timers.delete(id);
      timer.callback();
    }
  }
}

export interface SdkDevice {
  client: ParleyClient;
  network: Network;
  /** Every `message` event, in arrival order. */
  received: Message[];
  /** What this device got in one conversation, as seqs in arrival order. */
  seqs(conversationId: string): number[];
}

/** An SDK client with its own network and a record of what it handed to the app. */
export function sdkDevice(options: Omit<ParleyClientOptions, 'socketFactory'>, deadUrl: string, gateways: string[] = []): SdkDevice {
  const network = new Network(deadUrl, gateways);
  const client = new ParleyClient({ ...options, socketFactory: network.factory });
  const received: Message[] = [];
  client.on('message', (m) => received.push(m));
  return {
    client,
    network,
    received,
    seqs: (conversationId) => received.filter((m) => m.conversationId === conversationId).map((m) => m.seq),
  };
}

/** A conversation's whole history, paged. */
export async function fullHistory(client: ParleyClient, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = await client.fetchHistory({ conversationId, afterSeq: all.at(-1)?.seq ?? 0, limit: 100 });
    all.push(...page.messages);
    if (!page.hasMore) return all;
  }
}

export async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seeded PRNG (mulberry32): the same seed replays the same nemesis schedule and the same jitter. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
