import { DataSource } from 'typeorm';
import { conversationShard, orgPlacement, ShardMap, ShardRouter } from '@parley/sharding';
import { DIRECTORY_MIGRATIONS, SHARD_MIGRATIONS } from './migrations';
import { ORG_SCOPE_SETTING, SYSTEM_SCOPE } from './org-scope';
import { timeQueries } from './query-timer';

export interface DatabaseConfig {
  DIRECTORY_DATABASE_URL: string;
  SHARD_DATABASE_URLS: Array<{ id: string; url: string }>;
  LOGICAL_SHARDS: number;
  DATABASE_POOL_SIZE: number;
}

export interface ShardHealth {
  id: string;
  logicalShards: number[];
  reachable: boolean;
  latencyMs?: number;
}

const MIGRATIONS_TABLE = 'parley_migrations';

function dataSourceFor(url: string, kind: 'directory' | 'shard', poolSize: number, applicationName: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    applicationName,
    migrations: kind === 'directory' ? DIRECTORY_MIGRATIONS : SHARD_MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    synchronize: false,
    logging: false,
    // Sessions start in the system scope; the reads made for one user narrow it (orgScoped).
    extra: { max: poolSize, connectionTimeoutMillis: 5000, options: `-c ${ORG_SCOPE_SETTING}=${SYSTEM_SCOPE}` },
  });
}

/** The directory database alone: for a service whose state lives beside the users (notification). */
export async function openDirectoryDatabase(
  config: Pick<DatabaseConfig, 'DIRECTORY_DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
  applicationName: string,
): Promise<DataSource> {
  const directory = dataSourceFor(config.DIRECTORY_DATABASE_URL, 'directory', config.DATABASE_POOL_SIZE, applicationName);
  await directory.initialize();
  timeQueries(directory, 'directory');
  return directory;
}

/**
 * The directory database and every physical shard, with the shard map in memory:
 * routing a conversation to its database needs no query.
 */
export class ShardedDatabase {
  private constructor(
    readonly directory: DataSource,
    private readonly shards: Map<string, DataSource>,
    readonly shardMap: ShardMap,
    readonly router: ShardRouter,
  ) {}

  static async open(config: DatabaseConfig, applicationName: string): Promise<ShardedDatabase> {
    const directory = await openDirectoryDatabase(config, applicationName);
    const shards = new Map<string, DataSource>();
    try {
      const rows: Array<{ logical_shard: number; physical_shard: string }> = await directory.query(
        'SELECT logical_shard, physical_shard FROM shard_map ORDER BY logical_shard',
      );
      if (rows.length === 0) throw new Error('the shard map is empty: run the migrations first (npm run migrate)');
      if (rows.length !== config.LOGICAL_SHARDS) {
        throw new Error(`LOGICAL_SHARDS is ${config.LOGICAL_SHARDS} but the directory's shard map has ${rows.length}`);
      }
      const shardMap = new ShardMap(
        rows.map((r) => ({ logicalShard: r.logical_shard, physicalShard: r.physical_shard })),
        config.LOGICAL_SHARDS,
      );
      const urls = new Map(config.SHARD_DATABASE_URLS.map((s) => [s.id, s.url]));
      for (const physical of new Set(rows.map((r) => r.physical_shard))) {
        const url = urls.get(physical);
        if (!url) throw new Error(`the shard map names physical shard "${physical}" but SHARD_DATABASE_URLS has no URL for it`);
        const ds = dataSourceFor(url, 'shard', config.DATABASE_POOL_SIZE, applicationName);
        await ds.initialize();
        timeQueries(ds, physical);
        shards.set(physical, ds);
      }
      return new ShardedDatabase(directory, shards, shardMap, new ShardRouter(config.LOGICAL_SHARDS));
    } catch (err) {
      await Promise.allSettled([directory.destroy(), ...[...shards.values()].map((s) => s.destroy())]);
      throw err;
    }
  }

  forLogicalShard(logicalShard: number): DataSource {
    return this.shards.get(this.shardMap.physicalOf(logicalShard))!;
  }

  /** The database of a conversation, or null when the id is not one of ours. */
  forConversation(conversationId: string): DataSource | null {
    const shard = conversationShard(conversationId);
    if (shard === null || shard >= this.shardMap.logicalShards) return null;
    return this.forLogicalShard(shard);
  }

  /** The databases an org's conversations may live in, or null when the id is not one of ours. */
  databasesForOrg(orgId: string): Array<{ dataSource: DataSource; logicalShards: number[] }> | null {
    const placement = orgPlacement(orgId);
    if (!placement || placement.homeShard >= this.shardMap.logicalShards) return null;
    return this.databasesFor(this.router.orgShards(placement));
  }

  /** Distinct databases holding the given logical shards, each with its logical shards. */
  databasesFor(logicalShards: readonly number[]): Array<{ dataSource: DataSource; logicalShards: number[] }> {
    const grouped = new Map<string, number[]>();
    for (const l of logicalShards) {
      const p = this.shardMap.physicalOf(l);
      grouped.set(p, [...(grouped.get(p) ?? []), l]);
    }
    return [...grouped].map(([p, ls]) => ({ dataSource: this.shards.get(p)!, logicalShards: ls }));
  }

  async health(): Promise<ShardHealth[]> {
    return Promise.all(
      [...this.shards].map(async ([id, ds]) => {
        const started = performance.now();
        try {
          await ds.query('SELECT 1');
          return { id, logicalShards: this.shardMap.logicalShardsOf(id), reachable: true, latencyMs: +(performance.now() - started).toFixed(2) };
        } catch {
          return { id, logicalShards: this.shardMap.logicalShardsOf(id), reachable: false };
        }
      }),
    );
  }

  async isReady(): Promise<boolean> {
    try {
      await this.directory.query('SELECT 1');
    } catch {
      return false;
    }
    return (await this.health()).every((s) => s.reachable);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.directory.destroy(), ...[...this.shards.values()].map((s) => s.destroy())]);
  }
}

/**
 * Runs every migration on the directory and on every physical shard, and records the
 * initial shard map on first run. Safe to run again and from several processes.
 */
export async function migrateAll(config: DatabaseConfig, log: (line: string) => void = () => undefined): Promise<void> {
  const directory = dataSourceFor(config.DIRECTORY_DATABASE_URL, 'directory', 2, 'parley-migrate');
  await directory.initialize();
  try {
    const ran = await directory.runMigrations({ transaction: 'each' });
    log(`directory: ${ran.length} migration(s) applied`);
    const existing: Array<{ n: string }> = await directory.query('SELECT count(*)::text AS n FROM shard_map');
    if (existing[0].n === '0') {
      const map = ShardMap.initial(config.LOGICAL_SHARDS, config.SHARD_DATABASE_URLS.map((s) => s.id));
      const entries = map.entries();
      await directory.query(
        `INSERT INTO shard_map (logical_shard, physical_shard)
         SELECT * FROM unnest($1::int[], $2::text[]) ON CONFLICT DO NOTHING`,
        [entries.map((e) => e.logicalShard), entries.map((e) => e.physicalShard)],
      );
      log(`directory: shard map created (${config.LOGICAL_SHARDS} logical shards over ${config.SHARD_DATABASE_URLS.length} physical)`);
    }
  } finally {
    await directory.destroy();
  }
  for (const shard of config.SHARD_DATABASE_URLS) {
    const ds = dataSourceFor(shard.url, 'shard', 2, 'parley-migrate');
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'each' });
      log(`${shard.id}: ${ran.length} migration(s) applied`);
    } finally {
      await ds.destroy();
    }
  }
}
