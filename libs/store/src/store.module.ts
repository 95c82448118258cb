import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { DatabaseConfig, ShardedDatabase } from './sharded-database';

@Injectable()
class ShardedDatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(ShardedDatabase) private readonly db: ShardedDatabase) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

@Global()
@Module({})
export class StoreModule {
  static forRoot(config: DatabaseConfig, applicationName: string): DynamicModule {
    return {
      module: StoreModule,
      providers: [{ provide: ShardedDatabase, useFactory: () => ShardedDatabase.open(config, applicationName) }, ShardedDatabaseCloser],
      exports: [ShardedDatabase],
    };
  }
}
