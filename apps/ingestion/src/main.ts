import { tracing } from './tracing';
import { startIngestion } from './bootstrap';
import { ingestionConfig } from './config';

async function main() {
  const running = await startIngestion(ingestionConfig.load());
  const stop = async () => {
    await running.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: Error) => {
  process.stderr.write(`ingestion failed to start: ${error.message}\n`);
  process.exit(1);
});
