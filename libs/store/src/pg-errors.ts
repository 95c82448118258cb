/** Postgres SQLSTATEs. */
const UNIQUE_VIOLATION = '23505';
const DEADLOCK_DETECTED = '40P01';

type PgError = { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as PgError;
  const name = e?.constraint ?? e?.driverError?.constraint;
  return sqlState(err) === UNIQUE_VIOLATION && (constraint === undefined || name === constraint);
}

/** Two statements locked rows in opposite orders; Postgres aborted this one, which may be retried. */
export function isDeadlock(err: unknown): boolean {
  return sqlState(err) === DEADLOCK_DETECTED;
}

function sqlState(err: unknown): string | undefined {
  const e = err as PgError;
  return e?.code ?? e?.driverError?.code;
}
