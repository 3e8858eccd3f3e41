import type { LoggerService } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import pino, { type DestinationStream, type Logger } from 'pino';

export interface LoggerOptions {
  name: string;
  level?: string;
  /** For tests: write here instead of stdout. */
  destination?: DestinationStream;
}

/**
 * JSON lines with `trace_id` and `span_id` of the active span on every line, so a log line leads
 * straight to its trace in Jaeger.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      base: { service: options.name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const ctx = trace.getActiveSpan()?.spanContext();
        return ctx && trace.isSpanContextValid(ctx)
          ? { trace_id: ctx.traceId, span_id: ctx.spanId }
          : {};
      },
    },
    options.destination,
  );
}

/** NestJS's logger interface over pino, so framework messages are JSON lines with trace ids too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string) {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, stack: trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export type { Logger } from 'pino';
