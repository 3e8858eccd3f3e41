import { createInferenceGrpcServer, grpcServerCredentials } from '@keelson/inference';
import { serverTls } from '@keelson/service-kit';
import { grpcApiKeyInterceptor } from './auth/grpc-auth.interceptor';
import type { GatewayConfig } from './config';
import type { RequestHandling } from './request-handling.startup';

export interface RunningGrpcServer {
  /** `host:port` as bound (the port is the one the OS chose when `http.grpcPort` is 0). */
  address: string;
  close(): Promise<void>;
}

/** The gRPC edge on `http.grpcPort`: the same handler and API-key check as the REST edge. */
export async function startGrpcServer(
  config: GatewayConfig,
  { handler, authorizer }: RequestHandling,
): Promise<RunningGrpcServer> {
  const grpc = createInferenceGrpcServer(handler, {
    interceptors: [grpcApiKeyInterceptor(authorizer)],
  });
  const port = await new Promise<number>((resolve, reject) =>
    grpc.bindAsync(
      `${config.http.host}:${config.http.grpcPort}`,
      grpcServerCredentials(serverTls()), // TLS when KEELSON_TLS_CERT_FILE is set, as the REST edge
      (error, bound) => (error ? reject(error) : resolve(bound)),
    ),
  );
  return {
    address: `${config.http.host}:${port}`,
    close: () => new Promise<void>((resolve) => grpc.tryShutdown(() => resolve())),
  };
}
