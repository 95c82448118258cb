import { SEND_TRACE_DIR, writeSendTrace } from '../diagnostics/send-trace';
import { AckAnswer, BenchClient, ClientSpec, DeliveredMessage } from './bench-client';
import { monotonicMs, sendTimeOf, stampedBody } from './clock';
import {
  ChurnPlan,
  ChurnReport,
  ConnectReport,
  DeliveryReport,
  FetchReport,
  OpName,
  ResyncReport,
  SendPlan,
  SendReport,
  WorkerAnswer,
  WorkerOps,
  WorkerRequest,
  ResyncExpectation,
  FetchRequest,
  PresenceMark,
} from './worker-protocol';

/**
 * A load-generator process (forked by LoadPool): holds many client connections and runs
 * what the bench process asks over IPC. Runs in its own process so the bench's own work and
 * the clients' parsing never share a thread with each other.
 */
class LoadWorker {
  private clients: BenchClient[] = [];
  private lastConnectAt: number[] = [];
  /** Who waits for a client's next connect (the reconnect storm), by client index. */
  private connectWaiters = new Map<number, () => void>();
  private seen = new Set<string>();
  private deliveries: DeliveryReport = freshDeliveries();
  private sendCounter = 0;
  private presence: PresenceMark[] = [];

  readonly ops: { [K in OpName]: (args: WorkerOps[K]['args']) => Promise<WorkerOps[K]['result']> } = {
    connect: (a) => this.connect(a.url, a.clients, a.concurrency, a.reconnection, a.timeoutMs),
    call: (a) => this.clients[a.client].call(a.event, a.payload),
    send: (a) => this.send(a, a.keepIds ?? false),
    takeDeliveries: async () => {
      const taken = this.deliveries;
      this.deliveries = freshDeliveries();
      this.seen.clear();
      return taken;
    },
    fetch: (a) => this.fetch(a.requests, a.concurrency),
    churn: (a) => this.churn(a),
    takePresence: async () => {
      const taken = this.presence;
      this.presence = [];
      return taken;
    },
    resync: (a) => this.resync(a.expectations, a.since, a.timeoutMs),
    connectedCount: async () => this.clients.filter((c) => c.connected).length,
    closeAll: async () => {
      const n = this.clients.length;
      this.clients.forEach((c) => c.close());
      this.clients = [];
      this.lastConnectAt = [];
      this.connectWaiters.clear();
      this.presence = [];
      return n;
    },
  };

  private async connect(url: string, specs: ClientSpec[], concurrency: number, reconnection: boolean, timeoutMs: number): Promise<ConnectReport> {
    const started = monotonicMs();
    const report: ConnectReport = { connected: 0, failed: 0, elapsedMs: 0 };
    const base = this.clients.length;
    await forEachLimited(specs, concurrency, async (spec, i) => {
      const index = base + i;
      const client = new BenchClient(url, spec, { reconnection }, {
        message: (m) => this.onMessage(index, spec.userId, m),
        presence: (p) => this.presence.push([p.userId, p.status === 'online' ? 1 : 0, monotonicMs()]),
        connect: () => {
          this.lastConnectAt[index] = monotonicMs();
          this.connectWaiters.get(index)?.();
        },
        disconnect: () => undefined,
      });
      this.clients[index] = client;
      try {
        await client.open(timeoutMs);
        report.connected++;
      } catch (err) {
        report.failed++;
        report.firstError ??= err instanceof Error ? err.message : String(err);
      }
    });
    report.elapsedMs = monotonicMs() - started;
    return report;
  }

  private onMessage(client: number, userId: string, message: DeliveredMessage): void {
    if (message.senderId === userId) return;
    const key = `${client}:${message.id}`;
    if (this.seen.has(key)) {
      this.deliveries.duplicates++;
      return;
    }
    this.seen.add(key);
    const now = monotonicMs();
    this.deliveries.delivered++;
    this.deliveries.lastAt = now;
    const sentAt = sendTimeOf(message.body);
    if (sentAt !== undefined) this.deliveries.latencies.push(now - sentAt);
  }

  private send(plan: SendPlan, keepIds: boolean): Promise<SendReport> {
    const report: SendReport = { offered: 0, acked: 0, errors: 0, errorCodes: {}, ackLatencies: [], startedAt: monotonicMs(), endedAt: 0 };
    if (keepIds) report.acked_ids = {};
    if (plan.routes.length === 0) return Promise.resolve({ ...report, endedAt: report.startedAt });
    let next = 0;
    const trace = SEND_TRACE_DIR ? ([] as string[]) : undefined;
    let inFlight = 0;
    const deadline = report.startedAt + plan.durationMs;
    return new Promise((resolve) => {
      let stopped = false;
      let finished = false;
      let timer: NodeJS.Timeout | undefined;
      const finishIfDone = () => {
        if (stopped && inFlight === 0 && !finished) {
          finished = true;
          clearTimeout(timer);
          report.endedAt = monotonicMs();
          if (trace) writeSendTrace(SEND_TRACE_DIR!, report.startedAt, trace);
          resolve(report);
        }
      };
      const sendOne = () => {
        const route = plan.routes[next++ % plan.routes.length];
        const clientMsgId = `${process.pid}-${++this.sendCounter}`;
        const sentAt = monotonicMs();
        report.offered++;
        inFlight++;
        this.clients[route.client]
          .call('message.send', { conversationId: route.conversationId, clientMsgId, body: stampedBody(plan.bodySize) })
          .then(
            (ack: AckAnswer) => {
              if (ack.ok) {
                report.acked++;
                const latency = monotonicMs() - sentAt;
                report.ackLatencies.push(latency);
                trace?.push(`${sentAt.toFixed(3)}\t${latency.toFixed(3)}\n`);
                if (report.acked_ids) (report.acked_ids[route.conversationId] ??= []).push(clientMsgId);
              } else {
                report.errors++;
                report.errorCodes[ack.error.code] = (report.errorCodes[ack.error.code] ?? 0) + 1;
              }
            },
            (err: unknown) => {
              report.errors++;
              const code = err instanceof Error ? err.message : 'error';
              report.errorCodes[code] = (report.errorCodes[code] ?? 0) + 1;
            },
          )
          .finally(() => {
            inFlight--;
            if (plan.rate === 0 && !stopped) refill();
            finishIfDone();
          });
      };
      const total = plan.perRoute === undefined ? Infinity : plan.perRoute * plan.routes.length;
      const refill = () => {
        if (monotonicMs() >= deadline) {
          stopped = true;
          return;
        }
        while (inFlight < plan.window && report.offered < total) sendOne();
        if (report.offered >= total) stopped = true;
      };
      if (plan.rate === 0) {
        timer = setTimeout(() => {
          stopped = true;
          finishIfDone();
        }, plan.durationMs);
        refill();
        finishIfDone();
        return;
      }
      // Open loop: sends follow the clock, not the acks, so a slow server shows as latency.
      let budget = 0;
      let last = report.startedAt;
      const tick = setInterval(() => {
        const now = monotonicMs();
        budget += ((now - last) * plan.rate) / 1000;
        last = now;
        while (budget >= 1) {
          budget--;
          sendOne();
        }
        if (now >= deadline) {
          clearInterval(tick);
          stopped = true;
          finishIfDone();
        }
      }, 5);
    });
  }

  private async fetch(requests: FetchRequest[], concurrency: number): Promise<FetchReport> {
    const report: FetchReport = { latencies: [], errors: 0 };
    await forEachLimited(requests, concurrency, async (r) => {
      const started = monotonicMs();
      const payload = { conversationId: r.conversationId, limit: r.limit, ...(r.beforeSeq ? { beforeSeq: r.beforeSeq } : {}) };
      const ack = await this.clients[r.client].call('history.fetch', payload).catch((err: Error) => ({ ok: false as const, error: { code: err.message, message: err.message } }));
      if (ack.ok) report.latencies.push(monotonicMs() - started);
      else {
        report.errors++;
        report.firstError ??= ack.error.code;
      }
    });
    return report;
  }

  /**
   * Presence churn: `perSecond` times a second a client not already cycling closes, stays
   * closed `offlineMs`, connects again and repeats its rejoin call (a client subscribes again
   * after a reconnect). Resolves when every cycle started within `durationMs` has finished.
   */
  private async churn(plan: ChurnPlan): Promise<ChurnReport> {
    const report: ChurnReport = { changes: [], reconnectMs: [], failed: 0, startedAt: monotonicMs(), endedAt: 0 };
    if (plan.clients.length === 0) return { ...report, endedAt: report.startedAt };
    const busy = new Set<number>();
    const cycles: Array<Promise<void>> = [];
    const cycle = async (entry: ChurnPlan['clients'][number]) => {
      const client = this.clients[entry.client];
      busy.add(entry.client);
      try {
        report.changes.push([client.spec.userId, 0, monotonicMs()]);
        client.close();
        await sleep(plan.offlineMs);
        const connecting = monotonicMs();
        report.changes.push([client.spec.userId, 1, connecting]);
        await client.open(plan.timeoutMs);
        const ack = await client.call(entry.rejoin.event, entry.rejoin.payload, plan.timeoutMs);
        if (!ack.ok) throw new Error(`${entry.rejoin.event}: ${ack.error.code} ${ack.error.message}`);
        report.reconnectMs.push(monotonicMs() - connecting);
      } catch (err) {
        report.failed++;
        report.firstError ??= err instanceof Error ? err.message : String(err);
      } finally {
        busy.delete(entry.client);
      }
    };
    const tickMs = 100;
    let owed = 0;
    while (monotonicMs() - report.startedAt < plan.durationMs) {
      owed += (plan.perSecond * tickMs) / 1000;
      for (; owed >= 1 && busy.size < plan.clients.length; owed--) {
        let pick = Math.floor(Math.random() * plan.clients.length);
        while (busy.has(plan.clients[pick].client)) pick = (pick + 1) % plan.clients.length;
        cycles.push(cycle(plan.clients[pick]));
      }
      await sleep(tickMs);
    }
    report.endedAt = monotonicMs();
    await Promise.all(cycles);
    return report;
  }

  /** Waits for each client to be connected again after `since`, then checks its history holds what was acked. */
  private async resync(expectations: ResyncExpectation[], since: number, timeoutMs: number): Promise<ResyncReport> {
    const report: ResyncReport = { reconnectedAfterMs: [], syncedAfterMs: [], missing: 0, errors: 0 };
    const deadline = monotonicMs() + timeoutMs;
    await Promise.all(
      expectations.map(async (e) => {
        const client = this.clients[e.client];
        let reconnected = -1;
        let synced = -1;
        let retryDelay = 250;
        while (synced < 0 && monotonicMs() < deadline) {
          const connectedAt = this.lastConnectAt[e.client] ?? 0;
          if (!(connectedAt > since && client.connected)) {
            await this.nextConnect(e.client, deadline);
            continue;
          }
          if (reconnected < 0) reconnected = connectedAt - since;
          const ack = await client.call('history.fetch', { conversationId: e.conversationId, limit: 100 }).catch((err: Error) => ({
            ok: false as const,
            error: { code: err.message, message: err.message },
          }));
          if (ack.ok) {
            const stored = new Set((ack.data.messages as DeliveredMessage[]).map((m) => m.clientMsgId));
            report.missing += e.clientMsgIds.filter((id) => !stored.has(id)).length;
            synced = monotonicMs() - since;
            break;
          }
          report.errors++;
          report.firstError ??= `${ack.error.code}: ${ack.error.message}`;
          // Back off as a client should, with jitter, or the retries become the storm.
          retryDelay = Math.min(retryDelay * 2, 5000);
          await new Promise((r) => setTimeout(r, retryDelay * (0.5 + Math.random())));
        }
        report.reconnectedAfterMs.push(reconnected);
        report.syncedAfterMs.push(synced);
      }),
    );
    return report;
  }

  /** Resolves at the client's next connect, or at the deadline. */
  private nextConnect(client: number, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - monotonicMs()));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.connectWaiters.set(client, () => {
        this.connectWaiters.delete(client);
        done();
      });
    });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function freshDeliveries(): DeliveryReport {
  return { delivered: 0, duplicates: 0, latencies: [], lastAt: 0 };
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

const worker = new LoadWorker();
process.on('message', (raw: WorkerRequest) => {
  const op = worker.ops[raw.op] as (args: unknown) => Promise<unknown>;
  const answer = (a: WorkerAnswer) => process.send?.(a);
  if (!op) return answer({ id: raw.id, ok: false, error: `unknown op ${raw.op}` });
  op(raw.args).then(
    (result) => answer({ id: raw.id, ok: true, result }),
    (err: unknown) => answer({ id: raw.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
