import { newConversationId, orgPlacement } from '@parley/sharding';
import { baselineUsers, BenchUser, deviceOf } from '../harness/population';
import type { FetchReport } from '../load/worker-protocol';
import type { BenchOptions } from '../options';
import type { FigureSpec, Scenario, ScenarioContext } from '../scenario';
import { quantile } from '../stats';

/** Rows per INSERT statement while prefilling. */
const ROWS_PER_STATEMENT = 50_000;
const PAGE = 50;

export function sizeLabel(n: number): string {
  if (n >= 1e6 && n % 1e5 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 100 === 0) return `${n / 1e3}k`;
  return String(n);
}

interface Stored {
  reader: BenchUser;
  conversationIds: string[];
  messages: number;
}

/**
 * Reads of the last page and of a deep page (the conversation's first 50 messages) at each
 * --history-sizes total, on a store prefilled with batched INSERT ... SELECT straight into
 * the shards (the schema of libs/store's migrations), spread over every logical shard.
 *
 * Filling only grows, so the first run fills up to each size in turn and measures it --runs
 * times there; every run returns its own measurement of each size. Each size's measurements
 * follow an uncounted warm-up of the same kind of requests (--history-warm-up), as the rate
 * scenarios' first step: the fetch path's first use in the run (JIT, pooled connections'
 * statements) and the pages just written (first reads set their tuples' hint bits) are not
 * what a running system's reads cost. One fetch at a time is ~2 ms here, and the p99 of each
 * size kept falling over its first several thousand fetches, so the warm-up is thousands.
 */
export class HistoryScenario implements Scenario {
  readonly name = 'history';
  readonly summary = 'history.fetch p50/p99 of the last page and a deep page, as the store grows';
  private readonly measured = new Map<number, Array<{ last: FetchReport; deep: FetchReport }>>();
  private calls = 0;

  figures(options: BenchOptions): FigureSpec[] {
    return options.historySizes.flatMap((size) => {
      const at = sizeLabel(size);
      return [
        { key: `lastP50@${at}`, label: `last page p50, ${at} stored`, unit: 'ms', better: 'lower' as const },
        { key: `lastP99@${at}`, label: `last page p99, ${at} stored`, unit: 'ms', better: 'lower' as const, target: 5 },
        { key: `deepP50@${at}`, label: `deep page p50, ${at} stored`, unit: 'ms', better: 'lower' as const },
        { key: `deepP99@${at}`, label: `deep page p99, ${at} stored`, unit: 'ms', better: 'lower' as const },
      ];
    });
  }

  async run(ctx: ScenarioContext) {
    const run = this.calls++;
    if (run === 0) await this.fillAndMeasure(ctx);
    const parley: Record<string, number> = {};
    const baseline: Record<string, number> = {};
    const bare = await this.bareRoundTrips(ctx);
    for (const size of ctx.options.historySizes) {
      const at = sizeLabel(size);
      const { last, deep } = this.measured.get(size)![run] ?? this.measured.get(size)![0];
      Object.assign(parley, {
        [`lastP50@${at}`]: quantile(last.latencies, 0.5),
        [`lastP99@${at}`]: quantile(last.latencies, 0.99),
        [`deepP50@${at}`]: quantile(deep.latencies, 0.5),
        [`deepP99@${at}`]: quantile(deep.latencies, 0.99),
      });
      Object.assign(baseline, {
        [`lastP50@${at}`]: quantile(bare.latencies, 0.5),
        [`lastP99@${at}`]: quantile(bare.latencies, 0.99),
        [`deepP50@${at}`]: quantile(bare.latencies, 0.5),
        [`deepP99@${at}`]: quantile(bare.latencies, 0.99),
      });
    }
    return { parley, baseline, lost: 0 };
  }

  private async fillAndMeasure(ctx: ScenarioContext): Promise<void> {
    const org = await ctx.population.org('bench history', Math.min(64, ctx.system.store.router.logicalShards));
    const [reader] = await ctx.population.users(org, 1);
    const stored: Stored = { reader, conversationIds: [], messages: 0 };
    for (const size of ctx.options.historySizes) {
      const started = Date.now();
      await this.fill(ctx, org.id, stored, size);
      ctx.log(`history: ${stored.messages} messages in ${stored.conversationIds.length} conversations (filled in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
      const { handles } = await ctx.pool.connect(ctx.system.url, [deviceOf(reader, 'reader')]);
      const pick = () => stored.conversationIds[Math.floor(Math.random() * stored.conversationIds.length)];
      const requests = (beforeSeq?: number, count = ctx.options.historyRequests) =>
        Array.from({ length: count }, () => ({ client: handles[0], conversationId: pick(), limit: PAGE, beforeSeq }));
      const warmUpHalf = Math.ceil(ctx.options.historyWarmUp / 2);
      const warmUp = await ctx.pool.fetch([...requests(undefined, warmUpHalf), ...requests(PAGE + 1, warmUpHalf)], 1);
      if (warmUp.errors > 0) throw new Error(`history.fetch failed: ${warmUp.firstError}`);
      ctx.log(`history at ${sizeLabel(size)}: warm-up p99 ${quantile(warmUp.latencies, 0.99).toFixed(2)} ms (not counted)`);
      const runs = [];
      for (let r = 0; r < ctx.options.runs; r++) {
        const last = await ctx.pool.fetch(requests(), 1);
        const deep = await ctx.pool.fetch(requests(PAGE + 1), 1);
        if (last.errors + deep.errors > 0) throw new Error(`history.fetch failed: ${last.firstError ?? deep.firstError}`);
        ctx.log(`history at ${sizeLabel(size)}: last page p50 ${quantile(last.latencies, 0.5).toFixed(2)} ms p99 ${quantile(last.latencies, 0.99).toFixed(2)} ms; deep p99 ${quantile(deep.latencies, 0.99).toFixed(2)} ms`);
        runs.push({ last, deep });
      }
      this.measured.set(size, runs);
      await ctx.pool.closeAll();
    }
  }

  private async fill(ctx: ScenarioContext, orgId: string, stored: Stored, target: number): Promise<void> {
    const { store } = ctx.system;
    const perConversation = ctx.options.historyConversationSize;
    const shards = store.router.orgShards(orgPlacement(orgId)!);
    const perStatement = Math.max(1, Math.floor(ROWS_PER_STATEMENT / perConversation));
    const batches: Array<{ shard: number; ids: string[] }> = [];
    let planned = stored.messages;
    let next = stored.conversationIds.length;
    while (planned < target) {
      const shard = shards[next % shards.length];
      const ids: string[] = [];
      while (ids.length < perStatement && planned < target) {
        ids.push(newConversationId(shard));
        planned += perConversation;
        next++;
      }
      batches.push({ shard, ids });
    }
    // One lane per physical shard's worth of parallelism: Postgres has the same two cores.
    let taken = 0;
    const lane = async () => {
      while (taken < batches.length) {
        const batch = batches[taken++];
        const db = store.forLogicalShard(batch.shard);
        await db.query(`INSERT INTO conversations (id, org_id, kind, title, last_seq) SELECT c, $2, 'group', 'history', $3 FROM unnest($1::text[]) AS c`, [
          batch.ids,
          orgId,
          perConversation,
        ]);
        await db.query(`INSERT INTO conversation_members (conversation_id, user_id, org_id) SELECT c, $2, $3 FROM unnest($1::text[]) AS c`, [
          batch.ids,
          stored.reader.id,
          orgId,
        ]);
        await db.query(
          `INSERT INTO messages (conversation_id, seq, id, org_id, sender_id, client_msg_id, body, created_at)
           SELECT c, s, 'm_' || substr(md5(c || ':' || s), 1, 16), $2, $3, 'seed-' || s,
                  'history message ' || s || ' ' || repeat('x', 80), now() - make_interval(secs => $4 - s)
           FROM unnest($1::text[]) AS c, generate_series(1, $4::int) AS s`,
          [batch.ids, orgId, stored.reader.id, perConversation],
        );
        stored.conversationIds.push(...batch.ids);
        stored.messages += batch.ids.length * perConversation;
      }
    };
    await Promise.all([lane(), lane()]);
    for (const { dataSource } of store.databasesFor(shards)) await dataSource.query('ANALYZE conversations, conversation_members, messages');
  }

  /** The floor: a history.fetch round trip to the bare server, which answers an empty page at once. */
  private async bareRoundTrips(ctx: ScenarioContext): Promise<FetchReport> {
    const { handles } = await ctx.pool.connect(ctx.baseline.url, [deviceOf(baselineUsers(1)[0], 'reader')]);
    const report = await ctx.pool.fetch(
      Array.from({ length: ctx.options.historyRequests }, () => ({ client: handles[0], conversationId: 'none', limit: PAGE })),
      1,
    );
    await ctx.pool.closeAll();
    return report;
  }
}

export const scenario = (): Scenario => new HistoryScenario();
