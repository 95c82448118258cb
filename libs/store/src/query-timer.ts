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

/** Records a statement run past TypeORM (a prepared statement) under its database's label. */
export function timeStatement(dataSource: DataSource, ok: boolean, seconds: number): void {
  const database = labels.get(dataSource);
  if (database !== undefined) observeDbQuery(database, ok ? 'ok' : 'error', seconds);
}
