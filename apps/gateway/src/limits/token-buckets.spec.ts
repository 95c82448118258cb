import { TokenBuckets } from './token-buckets';

describe('TokenBuckets', () => {
  let clock = 0;
  const buckets = () => new TokenBuckets({ perSecond: 10, burst: 5 }, () => clock);

  beforeEach(() => (clock = 0));

  it('lets a burst through, then the sustained rate, and says when to retry', () => {
    const limits = buckets();
    expect(Array.from({ length: 5 }, () => limits.take('u'))).toEqual([0, 0, 0, 0, 0]);
    expect(limits.take('u')).toBe(100);
    clock = 50;
    expect(limits.take('u')).toBe(50);
    clock = 100;
    expect(limits.take('u')).toBe(0);
    expect(limits.take('u')).toBe(100);
  });

  it('takes nothing from a refused call: ten times the rate still gets exactly the rate', () => {
    const limits = buckets();
    let accepted = 0;
    for (clock = 0; clock < 10_000; clock += 10) accepted += limits.take('flooder') === 0 ? 1 : 0; // 100/s against 10/s
    expect(accepted).toBe(5 + 99);
  });

  it('keeps keys apart and forgets refilled buckets on sweep', () => {
    const limits = buckets();
    for (let i = 0; i < 5; i++) limits.take('a');
    expect(limits.take('a')).toBeGreaterThan(0);
    expect(limits.take('b')).toBe(0);
    limits.sweep();
    expect(limits.size).toBe(2);
    clock = 1000;
    limits.sweep();
    expect(limits.size).toBe(0);
    limits.take('c');
    limits.forget('c');
    expect(limits.size).toBe(0);
  });
});
