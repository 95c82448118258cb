import { ShardAppendQueue } from './shard-append-queue';

describe('ShardAppendQueue', () => {
  const job = (name: string, rows = 1) => ({ name, rows });

  it('starts one statement for the appends of a turn and coalesces the ones that arrive while it runs', async () => {
    const statements: string[][] = [];
    let release!: () => void;
    const firstDone = new Promise<void>((r) => (release = r));
    const queue = new ShardAppendQueue<{ name: string; rows: number }, string>(
      async (jobs) => {
        statements.push(jobs.map((j) => j.name));
        if (statements.length === 1) await firstDone;
        return jobs.map((j) => `done ${j.name}`);
      },
      1,
      100,
    );
    const turn = ['a', 'b'].map((n) => queue.submit(job(n)));
    expect(statements).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([['a', 'b']]);
    const rest = ['c', 'd'].map((n) => queue.submit(job(n)));
    await new Promise((r) => setImmediate(r));
    expect(statements).toEqual([['a', 'b']]);
    release();
    await expect(Promise.all(turn)).resolves.toEqual(['done a', 'done b']);
    await expect(Promise.all(rest)).resolves.toEqual(['done c', 'done d']);
    expect(statements).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps a statement under maxRows and runs up to maxInFlight statements at once', async () => {
    const statements: string[][] = [];
    let running = 0;
    let peak = 0;
    const queue = new ShardAppendQueue<{ name: string; rows: number }, string>(
      async (jobs) => {
        running++;
        peak = Math.max(peak, running);
        statements.push(jobs.map((j) => j.name));
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return jobs.map((j) => j.name);
      },
      2,
      10,
    );
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => queue.submit(job(n, 4))));
    expect(peak).toBe(2);
    expect(statements.every((s) => s.length * 4 <= 10 || s.length === 1)).toBe(true);
    expect(statements.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('fails every append of a failed statement and goes on with the next', async () => {
    let calls = 0;
    const queue = new ShardAppendQueue<{ name: string; rows: number }, string>(
      async (jobs) => {
        calls++;
        if (calls === 1) throw new Error('connection reset');
        return jobs.map((j) => j.name);
      },
      1,
      100,
    );
    const first = [queue.submit(job('a')), queue.submit(job('b'))];
    await new Promise((r) => setImmediate(r));
    const next = queue.submit(job('c'));
    await expect(Promise.all(first)).rejects.toThrow('connection reset');
    await expect(first[1]).rejects.toThrow('connection reset');
    await expect(next).resolves.toBe('c');
  });
});
