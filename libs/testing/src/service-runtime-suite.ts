import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PingCommands, ServiceName } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { connectTestBus, TEST_NATS_URL, uniqueNatsPrefix } from './test-nats';

/**
 * What every Parley service must do before any feature: join NATS under its prefix,
 * answer the service ping, and serve /health/live, /health/ready and /metrics.
 * `build` gets the environment (NATS_URL, NATS_PREFIX, NODE_ID) and returns the app module.
 */
export function describeServiceRuntime(service: ServiceName, build: (env: Record<string, string>) => DynamicModule): void {
  describe(`${service} service runtime on a real NATS`, () => {
    const prefix = uniqueNatsPrefix();
    const nodeId = `${service}-t`;
    let app: INestApplication;
    let bus: NatsBus;

    beforeAll(async () => {
      app = await NestFactory.create(build({ NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, NODE_ID: nodeId }), { logger: false });
      await app.listen(0, '127.0.0.1');
      bus = await connectTestBus(prefix);
    });

    afterAll(async () => {
      await bus?.close();
      await app?.close();
    });

    it('joins NATS and answers the service ping', async () => {
      await expect(bus.request(PingCommands[service], {})).resolves.toEqual({ service, nodeId, ready: true });
    });

    it('answers its health endpoints', async () => {
      const url = await app.getUrl();
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', checks: { nats: true } });
    });

    it('serves Prometheus metrics, its NATS traffic counted', async () => {
      await bus.request(PingCommands[service], {});
      const metrics = await (await fetch(`${await app.getUrl()}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`parley_events_in_total\\{[^}]*event="${service}.ping"[^}]*\\} [1-9]`));
    });
  });
}
