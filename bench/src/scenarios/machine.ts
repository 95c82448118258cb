import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect as connectTcp, Socket } from 'node:net';
import { connect as connectNats, NatsConnection } from 'nats';
import { Client } from 'pg';
import { DATABASE_SERVER, NATS_URL } from '../harness/bench-system';
import type { Scenario } from '../scenario';
import { quantile } from '../stats';

/** Round trips per measurement back to back, and with a pause before each (a tenth in --smoke). */
const BACK_TO_BACK = 2000;
const PAUSED = 200;
const PAUSE_MS = 5;

/**
 * What one hop costs on this machine, the unit every other figure is made of: a message crosses
 * five processes (client, gateway, NATS, chat node, Postgres) where bare Socket.IO crosses two.
 * Each hop is measured back to back (both ends busy) and after a 5 ms pause (the receiver asleep:
 * on a virtual machine, waking an idle vCPU is often most of the cost). Parley's own services are
 * idle meanwhile; the bare baseline has nothing to compare, so these figures have no ratio.
 */
export const scenario = (): Scenario => ({
  name: 'machine',
  summary: 'what one hop costs here: TCP, NATS and Postgres round trips, back to back and after a pause',
  figures: () =>
    [
      ['tcp', 'TCP round trip between two Node processes'],
      ['nats', 'NATS round trip (request and reply through nats-server)'],
      ['pg', 'Postgres SELECT 1'],
    ].flatMap(([key, label]) => [
      { key: `${key}Busy`, label: `${label}, back to back, p50`, unit: 'µs', better: 'lower' as const, hasBaseline: false },
      { key: `${key}Idle`, label: `${label}, after ${PAUSE_MS} ms idle, p50`, unit: 'µs', better: 'lower' as const, hasBaseline: false },
    ]),
  async run(ctx) {
    const figures: Record<string, number> = {};
    const share = ctx.options.smoke ? 0.1 : 1;
    const measure = async (key: string, roundTrip: () => Promise<unknown>) => {
      const busy = await timeRoundTrips(roundTrip, BACK_TO_BACK * share, 0);
      const idle = await timeRoundTrips(roundTrip, PAUSED * share, PAUSE_MS);
      figures[`${key}Busy`] = busy;
      figures[`${key}Idle`] = idle;
      ctx.log(`machine: ${key} round trip p50 ${busy.toFixed(0)} µs back to back, ${idle.toFixed(0)} µs after ${PAUSE_MS} ms idle`);
    };
    const echo = await TcpEcho.start();
    try {
      await measure('tcp', () => echo.roundTrip());
    } finally {
      echo.stop();
    }
    const nats = await NatsEcho.start();
    try {
      await measure('nats', () => nats.roundTrip());
    } finally {
      await nats.stop();
    }
    const pg = new Client({ connectionString: `${DATABASE_SERVER}/postgres` });
    await pg.connect();
    try {
      await measure('pg', () => pg.query('SELECT 1'));
    } finally {
      await pg.end();
    }
    return { parley: figures, baseline: {}, lost: 0 };
  },
});

/** The p50 of `count` round trips in µs, after a warm-up, each after `pauseMs` of idleness. */
async function timeRoundTrips(roundTrip: () => Promise<unknown>, count: number, pauseMs: number): Promise<number> {
  for (let i = 0; i < 100; i++) await roundTrip();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const started = process.hrtime.bigint();
    await roundTrip();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return quantile(samples, 0.5);
}

/**
 * A Node process running `script`, once it printed its first line (what it says when it is ready).
 * It exits when this process does (its stdin, a pipe from here, ends): a bench interrupted while
 * measuring exits without stopping it.
 */
async function startChild(script: string): Promise<{ child: ChildProcess; firstLine: string }> {
  const exitWithParent = `process.stdin.on('end', () => process.exit(0)).resume();`;
  const child = spawn(process.execPath, ['-e', `${exitWithParent}\n${script}`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  return { child, firstLine: chunk.toString().trim() };
}

/** A TCP echo server in a child process, and one connection to it. */
class TcpEcho {
  private waiting?: () => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly socket: Socket,
  ) {
    socket.on('data', () => this.waiting?.());
  }

  static async start(): Promise<TcpEcho> {
    const server = `require('net').createServer((s) => { s.setNoDelay(true); s.on('data', (d) => s.write(d)); })
      .listen(0, '127.0.0.1', function () { process.stdout.write(this.address().port + '\\n'); });`;
    const { child, firstLine: port } = await startChild(server);
    const socket = connectTcp({ port: Number(port), host: '127.0.0.1', noDelay: true });
    await once(socket, 'connect');
    return new TcpEcho(child, socket);
  }

  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write('x');
    });
  }

  stop(): void {
    this.socket.destroy();
    this.child.kill();
  }
}

/**
 * A NATS responder in a child process and a requester here, answering through one inbox
 * subscription as NatsBus's request mux does (the client's request() adds a timer, a deferred and
 * a token per call): a hop from one service to another through nats-server and back.
 */
class NatsEcho {
  private waiting?: () => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly connection: NatsConnection,
    private readonly subject: string,
    private readonly inbox: string,
  ) {}

  static async start(): Promise<NatsEcho> {
    const subject = `bench.machine.echo.${process.pid}`;
    const responder = `require('nats').connect({ servers: ${JSON.stringify(NATS_URL)} }).then(async (nc) => {
      nc.subscribe(${JSON.stringify(subject)}, { callback: (_e, m) => m.respond(m.data) });
      await nc.flush();
      process.stdout.write('ready\\n');
    });`;
    const { child } = await startChild(responder);
    const connection = await connectNats({ servers: NATS_URL });
    const echo = new NatsEcho(child, connection, subject, `${subject}.reply`);
    connection.subscribe(echo.inbox, { callback: () => echo.waiting?.() });
    await connection.flush();
    return echo;
  }

  roundTrip(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.connection.publish(this.subject, new Uint8Array(1), { reply: this.inbox });
    });
  }

  async stop(): Promise<void> {
    await this.connection.close();
    this.child.kill();
  }
}
