import { Catch, type ArgumentsHost, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a handler's error to the JetStream transport unchanged. Nest's default RPC filter replaces
 * anything that is not an RpcException with `{ status: 'error' }`, which would turn a TerminalError
 * (dead-letter now) into an ordinary failure (retry with backoff). Register it on every app that
 * runs the JetStreamTransport: `app.useGlobalFilters(new RpcPassThroughFilter())`.
 */
@Catch()
export class RpcPassThroughFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}
