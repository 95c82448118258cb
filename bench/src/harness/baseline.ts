import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '@parley/launcher';

/** The bare Socket.IO baseline server as a child process (see baseline-server.ts). */
export class Baseline {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    if (!this.child?.pid) throw new Error('the baseline server is not running');
    return this.child.pid;
  }

  start(): Promise<void> {
    const root = repoRoot();
    const child = fork(join(root, 'tools/scripts/run-service.js'), ['bench/src/harness/baseline-server'], {
      cwd: root,
      env: { ...process.env, BASELINE_PORT: String(this.port), NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the baseline server exited (code ${code})`)));
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}
