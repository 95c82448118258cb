/** A credential and the moment it must no longer be used. */
export interface IssuedToken {
  value: string;
  useUntilMs: number;
}

/**
 * One credential shared by every send until it is due for renewal. Concurrent callers wait
 * for the same issue; a credential the server refused is replaced once, however many
 * requests saw the refusal; a failed issue is not kept (the next send tries again).
 */
export class RefreshingToken {
  private cached?: IssuedToken;
  private issuing?: Promise<IssuedToken>;

  constructor(
    private readonly issue: () => Promise<IssuedToken>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<string> {
    if (this.cached && this.cached.useUntilMs > this.now()) return this.cached.value;
    this.issuing ??= this.issue()
      .then((token) => (this.cached = token))
      .finally(() => (this.issuing = undefined));
    return (await this.issuing).value;
  }

  /** The server refused `value`: the next `get()` issues a new credential, unless one already replaced it. */
  invalidate(value: string): void {
    if (this.cached?.value === value) this.cached = undefined;
  }
}
