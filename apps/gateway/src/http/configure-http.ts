import { INestApplication } from '@nestjs/common';
import { GATEWAY_CONFIG, GatewayConfig } from '../gateway.config';
import { LeanIoAdapter } from '../ws/lean-io.adapter';
import { originAllowed } from '../ws/socket-server-options';
import { setupOpenApi } from './openapi';

/** What the gateway's HTTP side needs beyond its modules: the configured Socket.IO server, CORS for browsers, the OpenAPI docs. */
export function configureHttp(app: INestApplication): void {
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  app.useWebSocketAdapter(new LeanIoAdapter(app, config));
  app.enableCors({
    origin: (origin: string | undefined, callback: (err: Error | null, allow?: boolean) => void) =>
      callback(null, originAllowed(origin, config.ALLOWED_ORIGINS)),
    credentials: true,
  });
  setupOpenApi(app);
}
