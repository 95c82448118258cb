import { hash32 } from '@parley/sharding';

export const DEFAULT_VIRTUAL_NODES = 100;

interface Point {
  hash: number;
  node: string;
}

/**
 * Consistent hashing over the live chat nodes. Each node owns many points
 * ("virtual nodes") so keys spread evenly, and a node joining or leaving moves
 * only the keys of its own points. Every gateway builds the same ring from the
 * same node set, so they all agree on a conversation's owner.
 */
export class HashRing {
  private readonly members = new Set<string>();
  private points: Point[] = [];

  constructor(private readonly virtualNodes = DEFAULT_VIRTUAL_NODES) {}

  get nodes(): string[] {
    return [...this.members].sort();
  }

  get size(): number {
    return this.members.size;
  }

  has(node: string): boolean {
    return this.members.has(node);
  }

  add(node: string): boolean {
    if (this.members.has(node)) return false;
    this.members.add(node);
    this.rebuild();
    return true;
  }

  remove(node: string): boolean {
    if (!this.members.delete(node)) return false;
    this.rebuild();
    return true;
  }

  /** The node owning `key`: the first point clockwise from the key's hash; null on an empty ring. */
  owner(key: string): string | null {
    if (this.points.length === 0) return null;
    const h = hash32(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid].hash < h) lo = mid + 1;
      else hi = mid;
    }
    return this.points[lo === this.points.length ? 0 : lo].node;
  }

  private rebuild(): void {
    const points: Point[] = [];
    for (const node of this.members) {
      for (let i = 0; i < this.virtualNodes; i++) points.push({ hash: hash32(`${node}#${i}`), node });
    }
    // Ties broken by name so every gateway orders colliding points the same way.
    points.sort((a, b) => a.hash - b.hash || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    this.points = points;
  }
}
