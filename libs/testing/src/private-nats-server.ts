import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parley/launcher';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/**
 * A nats-server of the test's own (real, with JetStream), for tests that stop and
 * restart NATS: the shared server must stay up for every other test.
 */
export class PrivateNatsServer {
  private child?: ChildProcess;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'parley-nats-'));

  private constructor(
    readonly port: number,
    private readonly config?: { file: string; env: Record<string, string> },
  ) {}

  /** With `config`, the server runs that configuration file (its port and store are overridden) with `env` set. */
  static async start(config?: { file: string; env: Record<string, string> }): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort(), config);
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /**
   * Starts the server (again, on the same port and store). `jetstream: false` starts it
   * without JetStream (a server whose JetStream is not ready yet) until `enableJetStream`.
   */
  async restart({ jetstream = true }: { jetstream?: boolean } = {}): Promise<void> {
    const file = this.config ? this.configWithOwnStore(this.config.file) : this.plainConfig(jetstream);
    this.child = spawn(NATS_SERVER, ['-c', file, '-a', '127.0.0.1', '-p', String(this.port)], {
      stdio: 'ignore',
      env: { ...process.env, ...this.config?.env },
    });
    await waitForPort(this.port, 10_000);
  }

  /** Turns JetStream on in the running server (a configuration reload): no client reconnects. */
  enableJetStream(): void {
    if (this.config) throw new Error('enableJetStream is for a server without a configuration file of its own');
    this.plainConfig(true);
    this.child?.kill('SIGHUP');
  }

  private plainConfig(jetstream: boolean): string {
    const file = join(this.storeDir, 'plain.conf');
    writeFileSync(file, jetstream ? `jetstream { store_dir: "${this.storeDir}" }\n` : '\n');
    return file;
  }

  /** A copy of the configuration whose JetStream store is this server's own directory. */
  private configWithOwnStore(file: string): string {
    const copy = join(this.storeDir, 'nats-server.conf');
    writeFileSync(copy, readFileSync(file, 'utf8').replace(/store_dir:\s*"[^"]*"/, `store_dir: "${join(this.storeDir, 'jetstream')}"`));
    return copy;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}
