import { DatabaseEnv, loadConfig } from '@parley/config';
import { ensureDatabasesExist, migrateAll } from '@parley/store';

/**
 * `npm run migrate`: runs every migration on the directory and on every physical
 * shard. With CREATE_DATABASES=1 (what `npm start` does locally) it first creates
 * missing databases; in production they are provisioned and this only migrates.
 */
async function main(): Promise<void> {
  const config = loadConfig(DatabaseEnv);
  if (process.env.CREATE_DATABASES === '1') {
    const created = await ensureDatabasesExist([config.DIRECTORY_DATABASE_URL, ...config.SHARD_DATABASE_URLS.map((s) => s.url)]);
    for (const name of created) console.log(`created database ${name}`);
  }
  await migrateAll(config, (line) => console.log(line));
}

main().catch((err) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
