import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startPrediction } from './bootstrap';
import { predictionConfig } from './config';

runService('prediction', () => startPrediction(predictionConfig.load()), tracing);
