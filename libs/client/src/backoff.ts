/** How long to wait before the next connection attempt. */
export interface BackoffOptions {
  /** Ceiling of the first retry's delay, in ms (default 250). */
  baseMs: number;
  /** The ceiling never grows beyond this, in ms (default 10 000). */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 10_000 };

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(maxMs, baseMs * 2^n)). Full jitter spreads a crowd of clients that lost the same
 * gateway over the whole window instead of letting them return in synchronized waves.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call widens the window for the one after. */
  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  /** After a connection that worked: the next failure starts again from the smallest window. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
