import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from './openapi-decorators';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Readiness } from './readiness';

type ReadyBody = HealthCheckResult & { checks: Record<string, boolean> };

/**
 * Kubernetes' probes, through @nestjs/terminus. Live: the process answers (and is not
 * shutting down). Ready: every dependency registered with Readiness answers (NATS, every
 * shard, on the gateway the services behind it). The body is terminus' result plus a flat
 * `checks` map, on success (200) and failure (503) alike.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly readiness: Readiness,
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
  ) {}

  @Get('live')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'The process is up.' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOkResponse({ description: 'Ready to serve: every dependency answers.' })
  @ApiServiceUnavailableResponse({ description: 'Some dependency is not ready (or the process is draining); `checks` says which.' })
  async ready(): Promise<ReadyBody> {
    const { checks } = await this.readiness.check();
    const indicators = Object.entries(checks).map(([name, up]) => () => (up ? this.indicators.check(name).up() : this.indicators.check(name).down()));
    try {
      return { ...(await this.health.check(indicators)), checks };
    } catch (err) {
      if (err instanceof ServiceUnavailableException) throw new ServiceUnavailableException({ ...(err.getResponse() as object), checks });
      throw err;
    }
  }
}
