import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startIngestion } from './bootstrap';
import { ingestionConfig } from './config';

runService('ingestion', () => startIngestion(ingestionConfig.load()), tracing);
