#!/usr/bin/env node
// @ts-check
/**
 * Bundles each service's compiled entry point (and the migration job) with what it requires
 * into one file: dist/bundles/<entry>.js, beside a source map. Run by `npm run build` after tsc.
 *
 * Why: a service loaded as ~1,400 modules spends most of its start resolving, reading and
 * compiling them (the gateway ~1.1 s of CPU, against ~0.6 s bundled), and a restarted gateway
 * starts while its clients are already knocking. run-service.js runs a bundle when it was built
 * from the current tsc output (bundles/manifest.json holds a hash of dist/.tsbuildinfo) and
 * the compiled modules otherwise.
 *
 * Bundled from tsc's output, not from the TypeScript sources: tsc emits the decorator metadata
 * Nest's dependency injection reads, which esbuild does not.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { buildInfoHash, bundleManifest, bundlesRoot, currentBundleFor, distPaths, distRoot } = require('./run-service');

/** What production runs: the five services and the migration job. */
const ENTRIES = ['apps/gateway/src/main', 'apps/chat/src/main', 'apps/history/src/main', 'apps/presence/src/main', 'apps/notification/src/main', 'tools/migrate'];
/**
 * Left as requires. @nestjs/swagger is loaded on the first request for the docs, on purpose
 * (swagger-ui-dist serves files from its own folder). The rest are Nest's optional
 * integrations, required only by apps that use them and not installed here: a package that
 * appears among them later fails this build instead of a service's start.
 */
const LEFT_AS_REQUIRES = [
  '@nestjs/swagger',
  'swagger-ui-dist',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/mongoose',
  '@nestjs/sequelize/*',
  '@nestjs/typeorm/*',
  '@mikro-orm/core',
  'class-transformer',
  'class-validator',
];

async function main() {
  const esbuild = require('esbuild');
  const { paths } = distPaths();
  const alias = Object.fromEntries(Object.entries(paths).map(([name, [target]]) => [name, target]));
  if (ENTRIES.every((entry) => currentBundleFor(entry))) {
    console.log('bundle: dist/bundles is up to date');
    return;
  }
  const builtFrom = buildInfoHash();
  const started = Date.now();
  fs.rmSync(bundlesRoot, { recursive: true, force: true });
  await Promise.all(
    ENTRIES.map((entry) =>
      esbuild.build({
        entryPoints: [path.join(distRoot, `${entry}.js`)],
        outfile: path.join(bundlesRoot, `${entry}.js`),
        bundle: true,
        platform: 'node',
        target: `node${process.versions.node.split('.')[0]}`,
        format: 'cjs',
        // Class and function names show in Nest's logs and errors as they do unbundled.
        keepNames: true,
        sourcemap: 'linked',
        sourcesContent: false,
        alias,
        external: LEFT_AS_REQUIRES,
        // Warnings are about requires esbuild cannot follow (computed names, optional native
        // add-ons inside a try): they stay requires, as intended.
        logLevel: 'error',
      }),
    ),
  );
  fs.writeFileSync(bundleManifest(), JSON.stringify({ builtFrom, entries: ENTRIES }, null, 2));
  console.log(`bundle: ${ENTRIES.length} entry points in dist/bundles (${Date.now() - started} ms)`);
}

main().catch((err) => {
  console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
