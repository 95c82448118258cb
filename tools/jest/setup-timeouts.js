// Runs (via setupFilesAfterEnv) before each test file: integration and e2e specs talk to
// Postgres/NATS/spawned services, so they get a 60 s default timeout (starting a whole system on a busy 2-core machine can take tens of seconds) instead of Jest's 5 s.
// Individual tests can still pass their own timeout or call jest.setTimeout().
const INT_OR_E2E = /\.(int|e2e)-spec\.ts$/;
const testPath = expect.getState().testPath || '';
if (INT_OR_E2E.test(testPath)) {
  jest.setTimeout(60000);
}
