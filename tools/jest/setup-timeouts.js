// Runs (via setupFilesAfterEnv) before each test file: integration and e2e specs talk to
// Postgres/NATS/spawned services, so they get a 30 s default timeout instead of Jest's 5 s.
// Individual tests can still pass their own timeout or call jest.setTimeout().
const INT_OR_E2E = /\.(int|e2e)-spec\.ts$/;
const testPath = expect.getState().testPath || '';
if (INT_OR_E2E.test(testPath)) {
  jest.setTimeout(30000);
}
