import { io, Socket } from 'socket.io-client';
import type { ErrorBody } from '@parley/contracts';

export type Ack<T = Record<string, unknown>> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/**
 * A Socket.IO client as an app would write it, recording every server event so a
 * test can assert on what arrived and in which order.
 */
export class TestClient {
  readonly received: Array<{ event: string; payload: unknown }> = [];
  private waiters: Array<{ event: string; match: (p: unknown) => boolean; resolve: (p: unknown) => void; timer: NodeJS.Timeout }> = [];

  private constructor(readonly socket: Socket) {
    socket.onAny((event: string, payload: unknown) => {
      this.received.push({ event, payload });
      this.waiters = this.waiters.filter((w) => {
        if (w.event !== event || !w.match(payload)) return true;
        clearTimeout(w.timer);
        w.resolve(payload);
        return false;
      });
    });
  }

  static connect(url: string, token: string, deviceId?: string, timeoutMs = 5000): Promise<TestClient> {
    const socket = io(url, { auth: deviceId ? { token, deviceId } : { token }, transports: ['websocket'], reconnection: false, forceNew: true });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => (socket.close(), reject(new Error('connect timed out'))), timeoutMs);
      socket.once('connect', () => (clearTimeout(timer), resolve(new TestClient(socket))));
      socket.once('connect_error', (err) => (clearTimeout(timer), socket.close(), reject(err)));
    });
  }

  /** Emits with an ack; rejects if no ack arrives in time. */
  call<T = Record<string, unknown>>(event: string, payload?: unknown, timeoutMs = 10_000): Promise<Ack<T>> {
    return this.socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<T>>;
  }

  /** Like call, but returns the data and throws on an error ack. */
  async ok<T = Record<string, unknown>>(event: string, payload?: unknown): Promise<T> {
    const ack = await this.call<T>(event, payload);
    if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
    return ack.data;
  }

  events<T = unknown>(event: string): T[] {
    return this.received.filter((r) => r.event === event).map((r) => r.payload as T);
  }

  waitFor<T = unknown>(event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
    const seen = this.received.find((r) => r.event === event && match(r.payload as T));
    if (seen) return Promise.resolve(seen.payload as T);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.timer !== timer);
        reject(new Error(`no ${event} event within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ event, match: match as (p: unknown) => boolean, resolve: resolve as (p: unknown) => void, timer });
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  close(): void {
    this.socket.close();
  }
}

/** The clients a suite opened, so one call in afterAll closes them all. */
export class TestClientPool {
  private readonly clients: TestClient[] = [];

  async connect(url: string, token: string, deviceId?: string): Promise<TestClient> {
    const client = await TestClient.connect(url, token, deviceId);
    this.clients.push(client);
    return client;
  }

  closeAll(): void {
    this.clients.splice(0).forEach((c) => c.close());
  }
}
