import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startTraining } from './bootstrap';
import { trainingConfig } from './config';

runService('training', () => startTraining(trainingConfig.load()), tracing);
