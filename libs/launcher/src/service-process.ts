import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

export interface ServiceSpec {
  /** Label for logs, e.g. `chat-1`. */
  name: string;
  /** Entry point relative to the repo root, without extension: `apps/chat/src/main`. */
  entry: string;
  env: Record<string, string>;
  /** Flags for node itself, e.g. `--cpu-prof` (which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export type LogSink = (service: string, line: string) => void;

/** One service as a child process running the compiled code in dist/. */
export class ServiceProcess {
  private child?: ChildProcess;
  private exitPromise?: Promise<number | null>;
  private readonly recent: string[] = [];

  constructor(
    readonly spec: ServiceSpec,
    private readonly sink: LogSink,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the service printed (for test failure messages). */
  get lastLines(): string[] {
    return [...this.recent];
  }

  start(): void {
    const root = repoRoot();
    const child = spawn(process.execPath, [...(this.spec.nodeArgs ?? []), join(root, 'tools/scripts/run-service.js'), this.spec.entry], {
      cwd: root,
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.recent.push(line);
        if (this.recent.length > 50) this.recent.shift();
        this.sink(this.spec.name, line);
      }
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
  }

  /** Resolves with the exit code (null when killed by a signal). */
  exited(): Promise<number | null> {
    return this.exitPromise ?? Promise.resolve(null);
  }

  /** SIGTERM (graceful) or SIGKILL (crash); resolves when the process is gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exited();
    clearTimeout(timer);
  }
}
