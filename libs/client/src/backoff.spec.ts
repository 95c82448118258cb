import { Backoff } from './backoff';

describe('Backoff (exponential, full jitter)', () => {
  it('doubles the ceiling per attempt up to maxMs and draws uniformly below it', () => {
    const ceilings: number[] = [];
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000 }, () => 0.999999);
    for (let i = 0; i < 6; i++) ceilings.push(backoff.next());
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('can wait zero (full jitter, not equal jitter) and resets to the first window', () => {
    const draws = [0, 0.5, 0.5];
    const backoff = new Backoff({ baseMs: 100, maxMs: 1000 }, () => draws.shift() ?? 0);
    expect(backoff.next()).toBe(0);
    expect(backoff.next()).toBe(100);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(50);
  });
});
