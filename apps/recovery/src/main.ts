import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startRecovery } from './bootstrap';
import { recoveryConfig } from './config';

runService('recovery', () => startRecovery(recoveryConfig.load()), tracing);
