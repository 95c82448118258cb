import { conversationShard, newConversationId, newMessageId, newOrgId, orgPlacement } from './ids';
import { ShardMap } from './shard-map';
import { ShardRouter } from './shard-router';

describe('ShardRouter', () => {
  const router = new ShardRouter(64);

  it('places an org on one home shard and spreads a large org over consecutive shards', () => {
    const placement = router.placeOrg('org-key', 4);
    expect(placement.homeShard).toBeGreaterThanOrEqual(0);
    expect(placement.homeShard).toBeLessThan(64);
    const shards = router.orgShards(placement);
    expect(shards).toHaveLength(4);
    expect(shards).toEqual([0, 1, 2, 3].map((i) => (placement.homeShard + i) % 64));
  });

  it('keeps a normal org on its home shard for every conversation', () => {
    const placement = router.placeOrg('small', 1);
    for (let i = 0; i < 50; i++) expect(router.conversationShard(placement, `k${i}`)).toBe(placement.homeShard);
  });

  it('routes the same direct pair key to the same shard, and spreads keys of a large org', () => {
    const placement = { homeShard: 62, shardSpread: 4 };
    expect(router.conversationShard(placement, 'a|b')).toBe(router.conversationShard(placement, 'a|b'));
    const used = new Set(Array.from({ length: 200 }, (_, i) => router.conversationShard(placement, `key-${i}`)));
    expect([...used].sort((a, b) => a - b)).toEqual([0, 1, 62, 63]);
  });

  it('caps the spread at the number of logical shards', () => {
    expect(new ShardRouter(2).placeOrg('x', 10).shardSpread).toBe(2);
  });
});

describe('ids', () => {
  it('round-trips the org placement and the conversation shard without any lookup', () => {
    const orgId = newOrgId({ homeShard: 37, shardSpread: 3 });
    expect(orgPlacement(orgId)).toEqual({ homeShard: 37, shardSpread: 3 });
    expect(conversationShard(newConversationId(1234))).toBe(1234);
  });

  it('never repeats a random part, across refills of the random pool', () => {
    const ids = Array.from({ length: 2000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^m_[A-Za-z0-9_-]{16}$/);
  });

  it('rejects ids that are not ours', () => {
    for (const bad of ['', 'c', 'c_', 'x1_AAAAAAAAAAAAAAAA', 'c1_short', 'c1_AAAAAAAAAAAAAAAA_extra', "c1_'; DROP TABLE x;--"]) {
      expect(conversationShard(bad)).toBeNull();
      expect(orgPlacement(bad)).toBeNull();
    }
  });
});

describe('ShardMap', () => {
  it('spreads logical shards round-robin over the physical ones at first', () => {
    const map = ShardMap.initial(8, ['a', 'b']);
    expect(map.entries().map((e) => e.physicalShard)).toEqual(['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
    expect(map.logicalShardsOf('b')).toEqual([1, 3, 5, 7]);
  });

  it('refuses a map with a hole or an out-of-range entry', () => {
    expect(() => new ShardMap([{ logicalShard: 0, physicalShard: 'a' }], 2)).toThrow(/logical shard 1/);
    expect(() => new ShardMap([{ logicalShard: 5, physicalShard: 'a' }], 2)).toThrow(/out of range/);
    expect(() => ShardMap.initial(4, [])).toThrow();
  });
});
