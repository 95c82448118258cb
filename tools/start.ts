import { ParleySystem } from '@parley/launcher';

/**
 * `npm start` after the install, infrastructure and migration steps: runs the five
 * services in the foreground with prefixed logs; Ctrl-C stops them all cleanly.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  // A terminal reads text better than JSON lines (LOG_FORMAT=json to see what the cluster gets).
  env.LOG_FORMAT ??= 'text';
  // Stack traces in TypeScript's files and lines: each service reads its bundle's source map,
  // ~0.3 s more of its start, which production and the benchmarks do not pay.
  env.NODE_OPTIONS ??= '--enable-source-maps';
  const system = new ParleySystem({
    env,
    gatewayPorts: [port],
    chatNodes: Number(process.env.CHAT_NODES ?? 2),
    sink: (service, line) => process.stdout.write(`${service.padEnd(12)} | ${line}\n`),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Parley...`);
    await system.stop();
    console.log('Parley stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await system.start(90_000);
  for (const proc of system.processes.values()) {
    void proc.exited().then((code) => {
      if (!stopping) console.error(`${proc.spec.name} exited unexpectedly (code ${code}); stop with Ctrl-C and check its log above`);
    });
  }
  console.log(`\nParley is up: ${system.gatewayUrl}  (Socket.IO and REST; OpenAPI at ${system.gatewayUrl}/docs)\nPress Ctrl-C to stop.\n`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
