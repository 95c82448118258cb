import { HashRing } from './hash-ring';

const keys = Array.from({ length: 20_000 }, (_, i) => `c${i.toString(36)}_conversation-${i}`);

function owners(ring: HashRing): Map<string, string | null> {
  return new Map(keys.map((k) => [k, ring.owner(k)]));
}

function ringOf(nodes: string[]): HashRing {
  const ring = new HashRing();
  nodes.forEach((n) => ring.add(n));
  return ring;
}

describe('HashRing', () => {
  it('has no owner when empty and one owner for everything with one node', () => {
    const ring = new HashRing();
    expect(ring.owner('anything')).toBeNull();
    ring.add('chat-0');
    expect(new Set(owners(ring).values())).toEqual(new Set(['chat-0']));
  });

  it('spreads keys evenly over the nodes', () => {
    const nodes = ['chat-0', 'chat-1', 'chat-2', 'chat-3', 'chat-4'];
    const counts = new Map<string, number>();
    for (const owner of owners(ringOf(nodes)).values()) counts.set(owner!, (counts.get(owner!) ?? 0) + 1);
    const fair = keys.length / nodes.length;
    expect([...counts.keys()].sort()).toEqual(nodes);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(fair * 0.7);
      expect(count).toBeLessThan(fair * 1.3);
    }
  });

  it('moves only the keys the new node takes when a node joins', () => {
    const ring = ringOf(['chat-0', 'chat-1', 'chat-2']);
    const before = owners(ring);
    ring.add('chat-3');
    const after = owners(ring);
    let moved = 0;
    for (const [key, owner] of after) {
      if (owner === before.get(key)) continue;
      moved++;
      expect(owner).toBe('chat-3');
    }
    // About a quarter of the keys should move, never much more.
    expect(moved / keys.length).toBeGreaterThan(0.15);
    expect(moved / keys.length).toBeLessThan(0.35);
  });

  it('moves only the leaving node keys when a node leaves', () => {
    const ring = ringOf(['chat-0', 'chat-1', 'chat-2', 'chat-3']);
    const before = owners(ring);
    ring.remove('chat-1');
    for (const [key, owner] of owners(ring)) {
      if (before.get(key) === 'chat-1') expect(owner).not.toBe('chat-1');
      else expect(owner).toBe(before.get(key));
    }
  });

  it('gives the same answer regardless of the order nodes were added in', () => {
    const a = ringOf(['chat-2', 'chat-0', 'chat-1']);
    const b = ringOf(['chat-0', 'chat-1', 'chat-2']);
    expect(owners(a)).toEqual(owners(b));
  });

  it('ignores duplicate adds and unknown removals', () => {
    const ring = ringOf(['chat-0']);
    expect(ring.add('chat-0')).toBe(false);
    expect(ring.remove('chat-9')).toBe(false);
    expect(ring.nodes).toEqual(['chat-0']);
  });
});
