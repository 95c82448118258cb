import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PingCommands } from '@parley/contracts';
import { NatsBus } from '@parley/nats';
import { connectTestBus, TEST_NATS_URL, uniqueNatsPrefix } from '@parley/testing';
import { NotificationAppModule } from '../src/app.module';
import { NotificationConfigSchema } from '../src/notification.config';

describe('notification service on a real NATS', () => {
  const prefix = uniqueNatsPrefix();
  let app: INestApplication;
  let bus: NatsBus;

  beforeAll(async () => {
    const config = NotificationConfigSchema.parse({ NATS_URL: TEST_NATS_URL, NATS_PREFIX: prefix, NODE_ID: 'notification-t' });
    app = await NestFactory.create(NotificationAppModule.forRoot(config), { logger: false });
    await app.listen(0, '127.0.0.1');
    bus = await connectTestBus(prefix);
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  it('joins NATS and answers the service ping', async () => {
    await expect(bus.request(PingCommands.notification, {})).resolves.toEqual({ service: 'notification', nodeId: 'notification-t', ready: true });
  });

  it('answers its health endpoints', async () => {
    const url = await app.getUrl();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { nats: true } });
  });
});
