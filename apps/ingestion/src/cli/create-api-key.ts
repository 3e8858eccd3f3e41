// Creates an API key and prints it (or writes it to --out). `./keelson up` uses it for the
// development admin key in .keelson/admin-key, reusing the file's key while it still verifies.
//   node -r @swc-node/register apps/ingestion/src/cli/create-api-key.ts --name dev --scopes admin --out .keelson/admin-key
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { API_SCOPES, ApiKeyRepository, connectMongo, type ApiScope } from '@keelson/persistence';
import { ingestionConfig } from '../config';

async function main() {
  const { values } = parseArgs({
    options: {
      name: { type: 'string', default: 'dev-admin' },
      scopes: { type: 'string', default: 'admin' },
      rate: { type: 'string', default: '1000' },
      burst: { type: 'string', default: '2000' },
      out: { type: 'string' },
    },
  });
  const scopes = values.scopes.split(',').map((s) => s.trim()) as ApiScope[];
  for (const scope of scopes)
    if (!(API_SCOPES as readonly string[]).includes(scope))
      throw new Error(`unknown scope ${scope} (scopes: ${API_SCOPES.join(', ')})`);
  const config = ingestionConfig.load();
  const connection = await connectMongo({ url: config.mongo.url, connectDeadlineMs: 30_000 });
  try {
    const keys = new ApiKeyRepository(connection);
    if (
      values.out &&
      existsSync(values.out) &&
      (await keys.verify(readFileSync(values.out, 'utf8').trim()))
    ) {
      process.stdout.write(`${values.out} already holds a valid key\n`);
      return;
    }
    const { key } = await keys.create({
      name: values.name,
      scopes,
      ratePerSecond: Number(values.rate),
      burst: Number(values.burst),
    });
    if (values.out) {
      writeFileSync(values.out, `${key}\n`, { mode: 0o600 });
      process.stdout.write(`wrote a new ${scopes.join(',')} key to ${values.out}\n`);
    } else process.stdout.write(`${key}\n`);
  } finally {
    await connection.close();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
