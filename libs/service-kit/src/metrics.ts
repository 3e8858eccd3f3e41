import { Controller, Get, Header } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import { Public } from './auth/api-key.guard';

/**
 * One Prometheus registry per process: Node's default metrics (CPU, memory, event-loop lag, GC)
 * plus the counters each service declares with `counter()`.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry });

const counters = new Map<string, Counter<string>>();

/** A counter in the process registry; the same name returns the same counter. */
export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  const existing = counters.get(name);
  if (existing) return existing;
  const created = new Counter({ name, help, labelNames, registers: [metricsRegistry] });
  counters.set(name, created);
  return created;
}

@Public()
@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
