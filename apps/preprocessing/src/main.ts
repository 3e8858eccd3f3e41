import { tracing } from './tracing';
import { startPreprocessing } from './bootstrap';
import { preprocessingConfig } from './config';

async function main() {
  const running = await startPreprocessing(preprocessingConfig.load());
  const stop = async () => {
    await running.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: Error) => {
  process.stderr.write(`preprocessing failed to start: ${error.message}\n`);
  process.exit(1);
});
