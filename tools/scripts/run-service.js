#!/usr/bin/env node
// @ts-check
/**
 * Runs a compiled entry point from dist/ with the `@parley/*` aliases pointing at dist/.
 *
 *   node tools/scripts/run-service.js apps/gateway/src/main [args...]
 *     -> requires dist/bundles/apps/gateway/src/main.js when bundle-services.js built it from
 *        the current tsc output, dist/apps/gateway/src/main.js otherwise
 *
 * The argument is a path relative to the repo root without extension (a trailing .ts/.js
 * or a leading dist/ is tolerated). Extra arguments are passed on: the service sees
 * process.argv = [node, dist/<path>.js, ...args].
 *
 * Tests and other scripts can reuse the alias registration:
 *   require('./tools/scripts/run-service').registerDistPaths();
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const distRoot = path.join(repoRoot, 'dist');
const tsconfigBase = path.join(repoRoot, 'tsconfig.base.json');
const bundlesRoot = path.join(distRoot, 'bundles');

/**
 * The `paths` of tsconfig.base.json rewritten to the compiled output, e.g.
 * `@parley/contracts` -> `<repo>/dist/libs/contracts/src/index.js`.
 * @returns {{ baseUrl: string, paths: Record<string, string[]>, addMatchAll: boolean }}
 */
function distPaths() {
  const { loadConfig } = require('tsconfig-paths');
  const loaded = loadConfig(tsconfigBase);
  if (loaded.resultType !== 'success') {
    throw new Error(`cannot read ${tsconfigBase}: ${loaded.message}`);
  }
  /** @type {Record<string, string[]>} */
  const paths = {};
  for (const [alias, targets] of Object.entries(loaded.paths || {})) {
    paths[alias] = targets.map((target) => {
      const source = path.resolve(loaded.absoluteBaseUrl, target);
      const compiled = path.join(distRoot, path.relative(repoRoot, source));
      return compiled.replace(/\.(c|m)?tsx?$/, '.js');
    });
  }
  // No match-all ("*" -> the repo root): every other require (all of node_modules) would first be
  // looked for as a file under the repo root, a dozen stats each, ~5% of a service's start.
  return { baseUrl: repoRoot, paths, addMatchAll: false };
}

/** @type {(() => void) | undefined} */
let unregister;

/**
 * Makes `require('@parley/<lib>')` resolve to `dist/libs/<lib>/src/index.js`.
 * Idempotent; returns a function that undoes the registration.
 * @returns {() => void}
 */
function registerDistPaths() {
  if (!unregister) {
    const { register } = require('tsconfig-paths');
    const undo = register(distPaths());
    unregister = () => {
      undo();
      unregister = undefined;
    };
  }
  return unregister;
}

/**
 * `apps/gateway/src/main` -> absolute `<repo>/dist/apps/gateway/src/main.js`.
 * @param {string} entry
 */
function distFileFor(entry) {
  let rel = entry.replace(/\\/g, '/').replace(/^\.\//, '');
  if (path.isAbsolute(rel)) rel = path.relative(repoRoot, rel).replace(/\\/g, '/');
  rel = rel.replace(/^dist\//, '').replace(/\.(c|m)?(ts|js)$/, '');
  return path.join(distRoot, `${rel}.js`);
}

/**
 * A hash of tsc's build info, which changes whenever tsc's output does.
 * @param {string} [dist]
 */
function buildInfoHash(dist = distRoot) {
  const file = path.join(dist, '.tsbuildinfo');
  return fs.existsSync(file) ? crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex') : undefined;
}

/**
 * Where bundle-services.js records which tsc output its bundles were built from.
 * @param {string} [dist]
 */
function bundleManifest(dist = distRoot) {
  return path.join(dist, 'bundles', 'manifest.json');
}

/**
 * The entry's bundle, if bundle-services.js built it from the current tsc output: after a
 * `tsc` alone (a watch, an editor) the bundle is stale and the compiled modules run instead.
 * @param {string} entry
 * @param {string} [dist] the build's output folder (tests point it elsewhere)
 * @returns {string | undefined}
 */
function currentBundleFor(entry, dist = distRoot) {
  const bundle = path.join(dist, 'bundles', path.relative(distRoot, distFileFor(entry)));
  const manifest = bundleManifest(dist);
  if (!fs.existsSync(bundle) || !fs.existsSync(manifest)) return undefined;
  const { builtFrom } = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  return typeof builtFrom === 'string' && builtFrom === buildInfoHash(dist) ? bundle : undefined;
}

/** @param {string[]} argv */
function main(argv) {
  const [entry, ...rest] = argv;
  if (!entry) {
    console.error('usage: node tools/scripts/run-service.js <path-without-extension> [args...]');
    console.error('   e.g. node tools/scripts/run-service.js apps/gateway/src/main');
    process.exit(2);
  }
  const file = distFileFor(entry);
  if (!fs.existsSync(file)) {
    console.error(`run-service: ${path.relative(repoRoot, file)} does not exist; run npm run build first.`);
    process.exit(1);
  }
  const bundle = currentBundleFor(entry);
  if (bundle) {
    // Source maps stay as Node was told (--enable-source-maps): reading the bundle's costs
    // ~0.3 s of every start, and a stack trace names the bundled functions anyway.
    process.argv = [process.argv[0], bundle, ...rest];
    require(bundle);
    return;
  }
  if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);
  registerDistPaths();
  process.argv = [process.argv[0], file, ...rest];
  require(file);
}

module.exports = { repoRoot, distRoot, bundlesRoot, distPaths, registerDistPaths, distFileFor, buildInfoHash, bundleManifest, currentBundleFor };

if (require.main === module) {
  main(process.argv.slice(2));
}
