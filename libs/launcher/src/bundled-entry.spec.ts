import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root';

/** tools/scripts/run-service.js, which ServiceProcess runs for every service (plain JS, outside the TypeScript tree). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runService = require(join(repoRoot(), 'tools/scripts/run-service.js')) as {
  currentBundleFor(entry: string, dist?: string): string | undefined;
  buildInfoHash(dist?: string): string | undefined;
};

describe('run-service: the bundle or the compiled modules', () => {
  let dist: string;
  const bundle = () => join(dist, 'bundles/apps/chat/src/main.js');
  const writeManifest = (builtFrom: unknown) => writeFileSync(join(dist, 'bundles/manifest.json'), JSON.stringify({ builtFrom }));

  beforeEach(() => {
    dist = mkdtempSync(join(tmpdir(), 'parley-dist-'));
    writeFileSync(join(dist, '.tsbuildinfo'), '{"version":"1"}');
    mkdirSync(join(dist, 'bundles/apps/chat/src'), { recursive: true });
    writeFileSync(bundle(), '');
  });

  afterEach(() => rmSync(dist, { recursive: true, force: true }));

  it('runs the bundle built from the current tsc output', () => {
    writeManifest(runService.buildInfoHash(dist));
    expect(runService.currentBundleFor('apps/chat/src/main', dist)).toBe(bundle());
  });

  it('runs the compiled modules once tsc has written something since the bundle', () => {
    writeManifest(runService.buildInfoHash(dist));
    writeFileSync(join(dist, '.tsbuildinfo'), '{"version":"2"}');
    expect(runService.currentBundleFor('apps/chat/src/main', dist)).toBeUndefined();
  });

  it('runs the compiled modules without a manifest, without build info, or for an entry not bundled', () => {
    expect(runService.currentBundleFor('apps/chat/src/main', dist)).toBeUndefined();
    writeManifest(undefined);
    rmSync(join(dist, '.tsbuildinfo'));
    expect(runService.currentBundleFor('apps/chat/src/main', dist)).toBeUndefined();
    writeManifest(runService.buildInfoHash(dist));
    expect(runService.currentBundleFor('tools/migrate', dist)).toBeUndefined();
  });
});
