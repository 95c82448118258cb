/** A small typed event emitter: the SDK runs in browsers too, so no dependency on node:events. */
export class TypedEmitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; the returned function removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Events[K]): void {
    this.listeners.get(event)?.delete(listener);
  }

  /**
   * Calls every listener of `event`. A listener that throws does not stop the others nor
   * the SDK's own bookkeeping; its error is handed to `onListenerError`.
   */
  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: Parameters<Events[K]>) => void)(...args);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  protected onListenerError(_err: unknown): void {
    // Subclasses report it; the base class only keeps the loop going.
  }
}
