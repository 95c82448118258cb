import { RefreshingToken } from './refreshing-token';

describe('RefreshingToken', () => {
  let now = 0;
  let issued = 0;
  const token = () => new RefreshingToken(async () => ({ value: `t${++issued}`, useUntilMs: now + 1000 }), () => now);

  beforeEach(() => {
    now = 0;
    issued = 0;
  });

  it('issues once for concurrent callers and reuses the token until it is due', async () => {
    const credential = token();
    await expect(Promise.all([credential.get(), credential.get()])).resolves.toEqual(['t1', 't1']);
    now = 999;
    await expect(credential.get()).resolves.toBe('t1');
    now = 1000;
    await expect(credential.get()).resolves.toBe('t2');
  });

  it('replaces a refused token once, however many requests report it', async () => {
    const credential = token();
    const refused = await credential.get();
    credential.invalidate(refused);
    await expect(credential.get()).resolves.toBe('t2');
    credential.invalidate(refused);
    await expect(credential.get()).resolves.toBe('t2');
  });

  it('does not keep a failed issue', async () => {
    let fail = true;
    const credential = new RefreshingToken(async () => {
      if (fail) throw new Error('down');
      return { value: 'ok', useUntilMs: Infinity };
    });
    await expect(credential.get()).rejects.toThrow('down');
    fail = false;
    await expect(credential.get()).resolves.toBe('ok');
  });
});
