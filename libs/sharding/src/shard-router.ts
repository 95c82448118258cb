import { hash32 } from './hash';
import { OrgPlacement } from './ids';

/**
 * Places orgs and conversations on logical shards. An org lives on its home shard;
 * an org marked large (shardSpread > 1) spreads its conversations over the
 * `shardSpread` logical shards that follow its home shard.
 */
export class ShardRouter {
  constructor(readonly logicalShards: number) {
    if (!Number.isInteger(logicalShards) || logicalShards < 1) throw new Error('logicalShards must be a positive integer');
  }

  placeOrg(orgKey: string, shardSpread = 1): OrgPlacement {
    return { homeShard: hash32(orgKey) % this.logicalShards, shardSpread: Math.min(Math.max(1, shardSpread), this.logicalShards) };
  }

  /** Every logical shard an org's conversations may live on. */
  orgShards(placement: OrgPlacement): number[] {
    const spread = Math.min(placement.shardSpread, this.logicalShards);
    return Array.from({ length: spread }, (_, i) => (placement.homeShard + i) % this.logicalShards);
  }

  /**
   * The shard of a new conversation. `key` decides it for conversations that must be
   * found again by content (a direct pair), so the pair's uniqueness holds on one shard.
   */
  conversationShard(placement: OrgPlacement, key: string): number {
    const shards = this.orgShards(placement);
    return shards[hash32(key) % shards.length];
  }
}
