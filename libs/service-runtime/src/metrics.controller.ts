import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from './openapi-decorators';
import { metricsRegistry } from '@parley/telemetry';

/** Prometheus scrapes every service here (docs/deploy.md lists the metrics). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  @Get()
  @Header('Content-Type', metricsRegistry.contentType)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
