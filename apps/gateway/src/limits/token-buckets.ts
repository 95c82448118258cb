export interface BucketRate {
  /** Tokens added per second (the sustained rate). */
  perSecond: number;
  /** Tokens a full bucket holds (the largest burst). */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (a user, a connection, an IP). A refused call takes nothing,
 * so a client hammering at ten times its rate still gets exactly its rate through.
 * In-process: each gateway counts on its own.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    readonly rate: BucketRate,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** 0 when the call may go ahead (one token taken), else the milliseconds until a token is there. */
  take(key: string): number {
    const at = this.now();
    const bucket = this.buckets.get(key);
    if (!bucket) {
      this.buckets.set(key, { tokens: this.rate.burst - 1, at });
      return 0;
    }
    bucket.tokens = this.refilled(bucket, at);
    bucket.at = at;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * 1000) / this.rate.perSecond);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** Drops the buckets that have refilled: a new one would be the same, so memory stays bounded by active keys. */
  sweep(): void {
    const at = this.now();
    for (const [key, bucket] of this.buckets) if (this.refilled(bucket, at) >= this.rate.burst) this.buckets.delete(key);
  }

  private refilled(bucket: Bucket, at: number): number {
    return Math.min(this.rate.burst, bucket.tokens + ((at - bucket.at) * this.rate.perSecond) / 1000);
  }
}
