import { DEV_DEFAULTS } from '@parley/config';
import { LogSink, ServiceProcess } from './service-process';

export interface SystemOptions {
  /** Environment shared by every service (NATS, databases, secrets). */
  env: Record<string, string>;
  /** One gateway per port; the first is the one `gatewayUrl` names. */
  gatewayPorts: number[];
  chatNodes?: number;
  /** Tests run several systems at once: let each service's health port be any free one. */
  randomHealthPorts?: boolean;
  /** Flags for every service's node process (the benchmarks' --cpu-prof). */
  nodeArgs?: string[];
  sink: LogSink;
}

const HEALTH_PORTS = { history: 3102, presence: 3103, notification: 3104, chat: 3110 } as const;

/** The five services as processes: what `npm start`, the end-to-end tests and the benchmarks run. */
export class ParleySystem {
  readonly processes = new Map<string, ServiceProcess>();

  constructor(
    private readonly options: SystemOptions,
  ) {}

  get gatewayUrl(): string {
    return this.gatewayUrls[0];
  }

  get gatewayUrls(): string[] {
    return this.options.gatewayPorts.map((port) => `http://127.0.0.1:${port}`);
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const chatNodes = this.options.chatNodes ?? 1;
    const port = (fixed: number) => String(this.options.randomHealthPorts ? 0 : fixed);
    this.add('history', 'apps/history/src/main', { HEALTH_PORT: port(HEALTH_PORTS.history) });
    this.add('presence', 'apps/presence/src/main', { HEALTH_PORT: port(HEALTH_PORTS.presence) });
    this.add('notification', 'apps/notification/src/main', { HEALTH_PORT: port(HEALTH_PORTS.notification) });
    for (let i = 0; i < chatNodes; i++) this.addChatNode(i);
    this.options.gatewayPorts.forEach((port, i) =>
      this.add(i === 0 ? 'gateway' : `gateway-${i}`, 'apps/gateway/src/main', { PORT: String(port), NODE_ID: `gateway-${i}` }),
    );
    for (const p of this.processes.values()) p.start();
    await this.waitReady(timeoutMs);
  }

  /** Chat node `index`, with a stable node id (the ring's name for it). */
  private addChatNode(index: number): ServiceProcess {
    return this.add(`chat-${index}`, 'apps/chat/src/main', {
      NODE_ID: `chat-${index}`,
      HEALTH_PORT: this.options.randomHealthPorts ? '0' : String(HEALTH_PORTS.chat + index),
    });
  }

  service(name: string): ServiceProcess {
    const p = this.processes.get(name);
    if (!p) throw new Error(`no service named ${name}`);
    return p;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      for (const p of this.processes.values()) {
        if (!p.running && p.pid !== undefined) {
          throw new Error(`${p.spec.name} exited during start:\n${p.lastLines.join('\n')}`);
        }
      }
      try {
        const answers = await Promise.all(this.gatewayUrls.map((url) => fetch(`${url}/health/ready`)));
        last = (await Promise.all(answers.map((a) => a.text()))).join(' ');
        if (answers.every((a) => a.ok) && (await this.everyGatewaySeesEveryChatNode())) return;
      } catch (err) {
        last = String(err);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`Parley was not ready within ${timeoutMs} ms; last readiness answer: ${last}`);
  }

  /**
   * Ready means one chat node, but until every gateway has heard every node's heartbeat
   * the gateways can name different owners for a conversation (the database fences
   * that; a test asserting on owners would see it).
   */
  private async everyGatewaySeesEveryChatNode(): Promise<boolean> {
    const expected = this.options.chatNodes ?? 1;
    const headers = { authorization: `Bearer ${this.options.env.ADMIN_TOKEN ?? DEV_DEFAULTS.ADMIN_TOKEN}` };
    const answers = await Promise.all(this.gatewayUrls.map((url) => fetch(`${url}/admin/chat/nodes`, { headers })));
    // Without admin access (another token, a rate limit) there is nothing to wait on.
    if (answers.some((a) => !a.ok)) return true;
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as Array<{ nodes?: unknown[] }>;
    return bodies.every((body) => body.nodes?.length === expected);
  }

  async stop(): Promise<void> {
    // Gateways first, so clients stop sending before the services behind them go.
    const gateways = [...this.processes.values()].filter((p) => p.spec.entry === 'apps/gateway/src/main');
    await Promise.all(gateways.map((g) => g.stop()));
    await Promise.all([...this.processes.values()].map((p) => p.stop()));
  }

  private add(name: string, entry: string, env: Record<string, string>): ServiceProcess {
    const proc = new ServiceProcess({ name, entry, env: { ...this.options.env, ...env }, nodeArgs: this.options.nodeArgs }, this.options.sink);
    this.processes.set(name, proc);
    return proc;
  }
}
