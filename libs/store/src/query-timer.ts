import type { AfterQueryEvent, BeforeQueryEvent, DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { observeDbQuery } from '@parley/telemetry';

/**
 * Times every SQL statement of one database (parley_db_query_duration_seconds), including
 * those inside transactions. A query runner runs one statement at a time, so its start
 * time is kept per runner between TypeORM's before- and after-query events.
 */
class QueryTimer implements EntitySubscriberInterface {
  private readonly started = new WeakMap<QueryRunner, number>();

  constructor(private readonly database: string) {}

  beforeQuery(event: BeforeQueryEvent): void {
    if (event.queryRunner) this.started.set(event.queryRunner, performance.now());
  }

  afterQuery(event: AfterQueryEvent): void {
    const started = event.queryRunner && this.started.get(event.queryRunner);
    if (started === undefined) return;
    observeDbQuery(this.database, event.success ? 'ok' : 'error', (performance.now() - started) / 1000);
  }
}

const labels = new WeakMap<DataSource, string>();

/** Labels the database's statements with `database` (directory, or the physical shard id). */
export function timeQueries(dataSource: DataSource, database: string): void {
  labels.set(dataSource, database);
  dataSource.subscribers.push(new QueryTimer(database));
}

/** Times a statement sent past TypeORM, straight to its pool, under the database's label (the wait for a pooled connection included). */
export async function timedQuery<T>(dataSource: DataSource, run: () => Promise<T>): Promise<T> {
  const database = labels.get(dataSource);
  if (database === undefined) return run();
  const started = performance.now();
  let outcome: 'ok' | 'error' = 'error';
  try {
    const result = await run();
    outcome = 'ok';
    return result;
  } finally {
    observeDbQuery(database, outcome, (performance.now() - started) / 1000);
  }
}
