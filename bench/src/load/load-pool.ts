import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@parley/launcher';
import type { ClientSpec } from './bench-client';
import type {
  ChurnReport,
  ConnectReport,
  DeliveryReport,
  FetchReport,
  FetchRequest,
  OpName,
  PresenceMark,
  ResyncExpectation,
  ResyncReport,
  SendPlan,
  SendReport,
  WorkerAnswer,
  WorkerOps,
} from './worker-protocol';

/** Appends in place; `push(...items)` overflows the stack past ~100k items (a fan-out step's latencies). */
export function append<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** A client of the pool: which load generator holds it and its index there. */
export interface ClientHandle {
  worker: number;
  index: number;
  userId: string;
}

export interface PoolRoute {
  client: ClientHandle;
  conversationId: string;
}

/** The load-generator processes, seen from the bench process as one set of clients. */
export class LoadPool {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly sizes: number[];

  private constructor(private readonly workers: ChildProcess[]) {
    this.sizes = workers.map(() => 0);
    for (const w of workers) {
      w.on('message', (answer: WorkerAnswer) => {
        const p = this.pending.get(answer.id);
        if (!p) return;
        this.pending.delete(answer.id);
        if (answer.ok) p.resolve(answer.result);
        else p.reject(new Error(`load generator: ${answer.error}`));
      });
      // A load generator gone mid-request (crash, Ctrl-C) fails what it was asked, never the bench process.
      w.on('error', () => undefined);
      w.on('exit', (code) => {
        for (const [id, p] of this.pending) {
          p.reject(new Error(`a load generator exited (code ${code})`));
          this.pending.delete(id);
        }
      });
    }
  }

  static start(count: number): LoadPool {
    const root = repoRoot();
    const workers = Array.from({ length: count }, () =>
      fork(join(root, 'tools/scripts/run-service.js'), ['bench/src/load/worker'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    return new LoadPool(workers);
  }

  get workerPids(): number[] {
    return this.workers.map((w) => w.pid ?? -1);
  }

  private ask<K extends OpName>(worker: number, op: K, args: WorkerOps[K]['args']): Promise<WorkerOps[K]['result']> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const target = this.workers[worker];
      if (!target.connected) return reject(new Error('a load generator is gone'));
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      target.send({ id, op, args });
    });
  }

  private askAll<K extends OpName>(op: K, args: (worker: number) => WorkerOps[K]['args']): Promise<Array<WorkerOps[K]['result']>> {
    return Promise.all(this.workers.map((_, w) => this.ask(w, op, args(w))));
  }

  /** Opens the clients, spread round-robin over the load generators. */
  async connect(url: string, specs: ClientSpec[], options: { concurrency?: number; reconnection?: boolean; timeoutMs?: number } = {}): Promise<{ handles: ClientHandle[]; report: ConnectReport }> {
    const perWorker: ClientSpec[][] = this.workers.map(() => []);
    const handles = specs.map((spec, i) => {
      const worker = i % this.workers.length;
      perWorker[worker].push(spec);
      return { worker, index: this.sizes[worker] + perWorker[worker].length - 1, userId: spec.userId };
    });
    const reports = await this.askAll('connect', (w) => ({
      url,
      clients: perWorker[w],
      concurrency: options.concurrency ?? 50,
      reconnection: options.reconnection ?? false,
      timeoutMs: options.timeoutMs ?? 10_000,
    }));
    perWorker.forEach((list, w) => (this.sizes[w] += list.length));
    const report: ConnectReport = { connected: 0, failed: 0, elapsedMs: 0 };
    for (const r of reports) {
      report.connected += r.connected;
      report.failed += r.failed;
      report.firstError ??= r.firstError;
      report.elapsedMs = Math.max(report.elapsedMs, r.elapsedMs);
    }
    return { handles, report };
  }

  /** An acked event on one client; throws on an error ack. */
  async ok<T = Record<string, unknown>>(client: ClientHandle, event: string, payload: unknown): Promise<T> {
    const ack = await this.ask(client.worker, 'call', { client: client.index, event, payload });
    if (!ack.ok) throw new Error(`${event} failed: ${ack.error.code} ${ack.error.message}`);
    return ack.data as T;
  }

  /** Runs the routes on their load generators at once; `rate` is the total over all of them. */
  async send(routes: PoolRoute[], plan: Omit<SendPlan, 'routes'> & { keepIds?: boolean }): Promise<SendReport> {
    const byWorker = this.split(routes, (r) => r.client.worker, (r) => ({ client: r.client.index, conversationId: r.conversationId }));
    const reports = await this.askAll('send', (w) => ({
      ...plan,
      routes: byWorker[w],
      rate: (plan.rate * byWorker[w].length) / routes.length,
      window: Math.max(1, Math.round((plan.window * byWorker[w].length) / routes.length)),
    }));
    const merged: SendReport = { offered: 0, acked: 0, errors: 0, errorCodes: {}, ackLatencies: [], startedAt: Infinity, endedAt: 0 };
    if (plan.keepIds) merged.acked_ids = {};
    for (const r of reports) {
      merged.offered += r.offered;
      merged.acked += r.acked;
      merged.errors += r.errors;
      for (const [code, n] of Object.entries(r.errorCodes)) merged.errorCodes[code] = (merged.errorCodes[code] ?? 0) + n;
      append(merged.ackLatencies, r.ackLatencies);
      if (r.offered > 0) merged.startedAt = Math.min(merged.startedAt, r.startedAt);
      merged.endedAt = Math.max(merged.endedAt, r.endedAt);
      for (const [c, ids] of Object.entries(r.acked_ids ?? {})) append((merged.acked_ids![c] ??= []), ids);
    }
    return merged;
  }

  /** The deliveries seen since the last call, over every load generator. */
  async takeDeliveries(): Promise<DeliveryReport> {
    const reports = await this.askAll('takeDeliveries', () => ({}));
    const merged: DeliveryReport = { delivered: 0, duplicates: 0, latencies: [], lastAt: 0 };
    for (const r of reports) {
      merged.delivered += r.delivered;
      merged.duplicates += r.duplicates;
      append(merged.latencies, r.latencies);
      merged.lastAt = Math.max(merged.lastAt, r.lastAt);
    }
    return merged;
  }

  async fetch(requests: Array<Omit<FetchRequest, 'client'> & { client: ClientHandle }>, concurrency: number): Promise<FetchReport> {
    const byWorker = this.split(requests, (r) => r.client.worker, (r) => ({ ...r, client: r.client.index }));
    const reports = await this.askAll('fetch', (w) => ({ requests: byWorker[w], concurrency }));
    return { latencies: reports.flatMap((r) => r.latencies), errors: reports.reduce((n, r) => n + r.errors, 0), firstError: reports.find((r) => r.firstError)?.firstError };
  }

  async resync(expectations: Array<Omit<ResyncExpectation, 'client'> & { client: ClientHandle }>, since: number, timeoutMs: number): Promise<ResyncReport> {
    const byWorker = this.split(expectations, (e) => e.client.worker, (e) => ({ ...e, client: e.client.index }));
    const reports = await this.askAll('resync', (w) => ({ expectations: byWorker[w], since, timeoutMs }));
    return {
      reconnectedAfterMs: reports.flatMap((r) => r.reconnectedAfterMs),
      syncedAfterMs: reports.flatMap((r) => r.syncedAfterMs),
      missing: reports.reduce((n, r) => n + r.missing, 0),
      errors: reports.reduce((n, r) => n + r.errors, 0),
      firstError: reports.find((r) => r.firstError)?.firstError,
    };
  }

  /** Presence churn on every load generator at once; `perSecond` is the total over all of them. */
  async churn(clients: Array<{ client: ClientHandle; rejoin: { event: string; payload: unknown } }>, plan: { perSecond: number; offlineMs: number; durationMs: number; timeoutMs: number }): Promise<ChurnReport> {
    const byWorker = this.split(clients, (c) => c.client.worker, (c) => ({ client: c.client.index, rejoin: c.rejoin }));
    const reports = await this.askAll('churn', (w) => ({ ...plan, clients: byWorker[w], perSecond: (plan.perSecond * byWorker[w].length) / clients.length }));
    const merged: ChurnReport = { changes: [], reconnectMs: [], failed: 0, startedAt: Infinity, endedAt: 0 };
    for (const r of reports) {
      append(merged.changes, r.changes);
      append(merged.reconnectMs, r.reconnectMs);
      merged.failed += r.failed;
      merged.firstError ??= r.firstError;
      merged.startedAt = Math.min(merged.startedAt, r.startedAt);
      merged.endedAt = Math.max(merged.endedAt, r.endedAt);
    }
    return merged;
  }

  /** The `presence` events received since the last call, over every load generator. */
  async takePresence(): Promise<PresenceMark[]> {
    const merged: PresenceMark[] = [];
    for (const marks of await this.askAll('takePresence', () => ({}))) append(merged, marks);
    return merged;
  }

  async connectedCount(): Promise<number> {
    return (await this.askAll('connectedCount', () => ({}))).reduce((a, b) => a + b, 0);
  }

  /** Closes every client (the load generators stay up for the next scenario). */
  async closeAll(): Promise<void> {
    await this.askAll('closeAll', () => ({}));
    this.sizes.fill(0);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null || w.signalCode !== null) return resolve();
            w.once('exit', () => resolve());
            w.disconnect();
            setTimeout(() => w.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
  }

  private split<T, U>(items: T[], workerOf: (item: T) => number, map: (item: T) => U): U[][] {
    const out: U[][] = this.workers.map(() => []);
    for (const item of items) out[workerOf(item)].push(map(item));
    return out;
  }
}
