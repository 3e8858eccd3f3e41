import { connectNats, type Messaging } from '@keelson/messaging';
import { apiClient, testInfra, uniqueId } from '@keelson/testing';
import { startPrediction, type RunningNode } from '../src/bootstrap';
import { predictionConfig } from '../src/config';

/** A real prediction node on free ports, on the shared NATS server. */
export async function predictionFixture(env: Record<string, string> = {}) {
  const nodeId = `node_${uniqueId()}`;
  const node: RunningNode = await startPrediction(
    predictionConfig.load({
      ...process.env,
      NODE_ID: nodeId,
      PREDICTION_HTTP_PORT: '0',
      PREDICTION_GRPC_PORT: '0',
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  const messaging: Messaging = await connectNats({
    url: testInfra.natsUrl,
    name: 'prediction-test',
  });
  return {
    node,
    nodeId,
    messaging,
    call: apiClient(() => node.url),
    async close() {
      await node.close();
      await messaging.drain();
    },
  };
}

export type PredictionFixture = Awaited<ReturnType<typeof predictionFixture>>;
