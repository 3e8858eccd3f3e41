import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';
import { RpcPassThroughFilter } from '@keelson/messaging/nest';
import { ApiError } from './api-error';

/**
 * Every error leaves as `{ error, details? }` with the right status, whether thrown by our code,
 * by Nest, or by Fastify before the route ran (oversize body, wrong content type). Unknown errors are
 * logged and answered with a 500 that leaks nothing.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');
  private readonly rpc = new RpcPassThroughFilter();

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Hybrid apps share global filters with their JetStream handlers: there, hand the error to the
    // transport unchanged so it can tell a TerminalError from a retryable failure.
    if (host.getType() === 'rpc') return this.rpc.catch(exception, host);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof ApiError) {
      if (exception.retryAfterSeconds !== undefined)
        void reply.header('Retry-After', String(exception.retryAfterSeconds));
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 413 || status === 415) {
        void reply.status(status).send({
          error: describeFastifyError({
            code: status === 413 ? 'FST_ERR_CTP_BODY_TOO_LARGE' : 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
          }),
        });
        return;
      }
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: unknown }).message ?? exception.message);
      void reply
        .status(exception.getStatus())
        .send({ error: Array.isArray(message) ? message.join('; ') : String(message) });
      return;
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (
      fastifyError.statusCode &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      void reply
        .status(fastifyError.statusCode)
        .send({ error: describeFastifyError(fastifyError) });
      return;
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    void reply.status(500).send({ error: 'internal error' });
  }
}

function describeFastifyError(e: { code?: string; message?: string }): string {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body is larger than the limit';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported Content-Type: send application/json (an array of records) or application/x-ndjson';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty';
    default:
      return e.message ?? 'bad request';
  }
}
