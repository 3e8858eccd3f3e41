import { tracing } from './tracing';
import { runService } from '@keelson/service-kit';
import { startGateway } from './bootstrap';
import { gatewayConfig } from './config';

runService('gateway', () => startGateway(gatewayConfig.load()), tracing);
