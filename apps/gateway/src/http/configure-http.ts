import { INestApplication } from '@nestjs/common';
import { setupOpenApi } from './openapi';

/** What the gateway's HTTP side needs beyond its modules: CORS for browser clients and the OpenAPI docs. */
export function configureHttp(app: INestApplication): void {
  app.enableCors({ origin: true, credentials: true });
  setupOpenApi(app);
}
