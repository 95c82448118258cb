/** Logical shard → physical shard id; fixed in count, movable in placement. */
export class ShardMap {
  private readonly byLogical: string[];

  constructor(entries: ReadonlyArray<{ logicalShard: number; physicalShard: string }>, logicalShards: number) {
    this.byLogical = new Array<string>(logicalShards);
    for (const { logicalShard, physicalShard } of entries) {
      if (logicalShard < 0 || logicalShard >= logicalShards) throw new Error(`logical shard ${logicalShard} is out of range`);
      this.byLogical[logicalShard] = physicalShard;
    }
    const missing = this.byLogical.findIndex((p) => p === undefined);
    if (missing >= 0 || this.byLogical.length === 0) throw new Error(`shard map has no physical shard for logical shard ${missing}`);
  }

  /** Round-robin placement used when a deployment is first initialised. */
  static initial(logicalShards: number, physicalIds: readonly string[]): ShardMap {
    if (physicalIds.length === 0) throw new Error('at least one physical shard is required');
    return new ShardMap(
      Array.from({ length: logicalShards }, (_, logicalShard) => ({ logicalShard, physicalShard: physicalIds[logicalShard % physicalIds.length] })),
      logicalShards,
    );
  }

  get logicalShards(): number {
    return this.byLogical.length;
  }

  physicalOf(logicalShard: number): string {
    const physical = this.byLogical[logicalShard];
    if (physical === undefined) throw new Error(`logical shard ${logicalShard} is out of range`);
    return physical;
  }

  entries(): Array<{ logicalShard: number; physicalShard: string }> {
    return this.byLogical.map((physicalShard, logicalShard) => ({ logicalShard, physicalShard }));
  }

  logicalShardsOf(physicalShard: string): number[] {
    return this.entries()
      .filter((e) => e.physicalShard === physicalShard)
      .map((e) => e.logicalShard);
  }
}
