import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startMonitoring } from './bootstrap';
import { monitoringConfig } from './config';

runService('monitoring', () => startMonitoring(monitoringConfig.load()), tracing);
