import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { KV, KvEntry } from 'nats';
import { presenceBucketName } from '@parley/contracts';
import { encodeJson, NatsBus } from '@parley/nats';
import { OnlineRecord, PresenceStore, SeenRecord } from './presence-ports';

/** Writes in flight at once; more wait (only the newest state of each user is written). */
const MAX_CONCURRENT_WRITES = 16;
const RETRY_AFTER_MS = 1000;
/** How long a stopping service waits for its last transitions to be stored. */
const FLUSH_ON_STOP_MS = 2000;

type Write = { kind: 'online'; record: OnlineRecord } | { kind: 'offline'; seen: SeenRecord };

/** Ids are client-influenced text; KV keys allow few characters, so they are base64url-encoded. */
const onlineKey = (userId: string) => `online.${Buffer.from(userId).toString('base64url')}`;
const seenKey = (userId: string) => `seen.${Buffer.from(userId).toString('base64url')}`;

/**
 * Presence memory in a JetStream key-value bucket (`<prefix>_presence`): `online.<user>` while a
 * user is online, `seen.<user>` with its last departure. Writes are in the background and only
 * on transitions (a reconnect inside the grace period writes nothing); per user, only the newest
 * state is written, in order; a failed write is retried unless a newer one replaced it.
 */
@Injectable()
export class PresenceKvStore extends PresenceStore implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(PresenceKvStore.name);
  private kv!: KV;
  private bucket!: string;
  private readonly pending = new Map<string, Write>();
  private readonly ready = new Set<string>();
  private readonly busy = new Set<string>();
  private active = 0;
  private stopping = false;
  private idle?: () => void;

  constructor(private readonly bus: NatsBus) {
    super();
  }

  async onModuleInit(): Promise<void> {
    this.bucket = presenceBucketName(this.bus.prefix);
    this.kv = await this.bus.jetstream().views.kv(this.bucket, { history: 1 });
  }

  /** Lets the writes in progress finish (bounded) before NATS closes, so a restart finds the latest transitions. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.active > 0 || this.pending.size > 0) {
      await new Promise<void>((resolve) => {
        this.idle = resolve;
        setTimeout(resolve, FLUSH_ON_STOP_MS).unref();
      });
    }
    this.stopping = true;
  }

  markOnline(record: OnlineRecord): void {
    this.enqueue(record.userId, { kind: 'online', record });
  }

  markOffline(userId: string, seen: SeenRecord): void {
    this.enqueue(userId, { kind: 'offline', seen });
  }

  async lastSeen(userId: string): Promise<SeenRecord | null> {
    const entry = await this.kv.get(seenKey(userId));
    if (entry?.operation !== 'PUT') return null;
    const value = readJson<Partial<SeenRecord>>(entry);
    return typeof value?.orgId === 'string' && typeof value.lastSeenAt === 'string' ? { orgId: value.orgId, lastSeenAt: value.lastSeenAt } : null;
  }

  /** Every user remembered online: read with one ordered consumer, not one request per key. */
  async loadOnline(): Promise<OnlineRecord[]> {
    const records: OnlineRecord[] = [];
    let initialized!: () => void;
    const done = new Promise<void>((resolve) => (initialized = resolve));
    const watch = await this.kv.watch({ key: 'online.>', initializedFn: () => initialized() });
    const reading = (async () => {
      for await (const entry of watch) {
        const record = entry.operation === 'PUT' ? parseOnline(entry) : undefined;
        if (record) records.push(record);
      }
    })();
    await done;
    watch.stop();
    await reading;
    return records;
  }

  private enqueue(userId: string, write: Write): void {
    this.pending.set(userId, write);
    if (!this.busy.has(userId)) this.ready.add(userId);
    this.pump();
  }

  private pump(): void {
    for (const userId of this.ready) {
      if (this.active >= MAX_CONCURRENT_WRITES) return;
      this.ready.delete(userId);
      const write = this.pending.get(userId)!;
      this.pending.delete(userId);
      this.busy.add(userId);
      this.active++;
      this.apply(userId, write).then(
        () => this.settle(userId),
        (err: unknown) => {
          if (this.stopping) return;
          this.logger.warn(`presence store write failed (retrying): ${err instanceof Error ? err.message : String(err)}`);
          if (!this.pending.has(userId)) this.pending.set(userId, write);
          setTimeout(() => this.settle(userId), RETRY_AFTER_MS).unref();
        },
      );
    }
  }

  private settle(userId: string): void {
    this.active--;
    this.busy.delete(userId);
    if (this.pending.has(userId)) this.ready.add(userId);
    this.pump();
    if (this.active === 0 && this.pending.size === 0) this.idle?.();
  }

  /** Through the bus (kvPut, kvDelete), not the client's `kv.put`: a reconnect storm is tens of thousands of these. */
  private async apply(userId: string, write: Write): Promise<void> {
    if (write.kind === 'online') {
      await this.bus.kvPut(this.bucket, onlineKey(userId), encodeJson(write.record));
      return;
    }
    await this.bus.kvPut(this.bucket, seenKey(userId), encodeJson(write.seen));
    await this.bus.kvDelete(this.bucket, onlineKey(userId));
  }
}

function parseOnline(entry: KvEntry): OnlineRecord | undefined {
  const value = readJson<Partial<OnlineRecord>>(entry);
  if (typeof value?.userId === 'string' && typeof value.orgId === 'string' && typeof value.since === 'string') {
    return { userId: value.userId, orgId: value.orgId, since: value.since };
  }
  return undefined;
}

/** An unreadable record counts as none: the gateways re-announce who is connected anyway. */
function readJson<T>(entry: KvEntry): T | undefined {
  try {
    return entry.json<T>();
  } catch {
    return undefined;
  }
}
