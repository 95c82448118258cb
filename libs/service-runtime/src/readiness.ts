import { Injectable } from '@nestjs/common';

export type ReadinessProbe = () => Promise<boolean> | boolean;

/** Each module registers what "ready" needs from it (NATS connected, shards reachable, ...). */
@Injectable()
export class Readiness {
  private readonly probes = new Map<string, ReadinessProbe>();

  register(name: string, probe: ReadinessProbe): void {
    this.probes.set(name, probe);
  }

  async check(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const entries = await Promise.all(
      [...this.probes].map(async ([name, probe]) => {
        try {
          return [name, await withTimeout(Promise.resolve(probe()), 2000)] as const;
        } catch {
          return [name, false] as const;
        }
      }),
    );
    const checks: Record<string, boolean> = Object.fromEntries(entries);
    return { ready: Object.values(checks).every(Boolean), checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}
