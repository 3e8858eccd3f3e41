import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startPreprocessing } from './bootstrap';
import { preprocessingConfig } from './config';

runService('preprocessing', () => startPreprocessing(preprocessingConfig.load()), tracing);
