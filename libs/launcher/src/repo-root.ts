import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The monorepo root, found from this file whether it runs from sources or from dist/. */
export function repoRoot(from = __dirname): string {
  let dir = from;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'parley') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the parley repository root above ${from}`);
    dir = parent;
  }
}
