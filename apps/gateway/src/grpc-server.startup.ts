import { startInferenceGrpcServer } from '@keelson/inference';
import { serverTls } from '@keelson/service-kit';
import { grpcApiKeyCheck } from './auth/grpc-api-key';
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
  const grpc = await startInferenceGrpcServer(
    handler,
    `${config.http.host}:${config.http.grpcPort}`,
    {
      authorize: grpcApiKeyCheck(authorizer),
      tls: serverTls(), // TLS when KEELSON_TLS_CERT_FILE is set, as the REST edge
    },
  );
  return {
    address: `${config.http.host}:${grpc.port}`,
    close: () => grpc.shutdown(),
  };
}
