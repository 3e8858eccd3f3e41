import { InferenceError, type InferenceHandler, type InferRequest } from '@keelson/inference';

/**
 * A node's handler for the transport specs, recording every inference that reaches it: `echo`
 * answers its inputs as outputs at the version asked for (1 without one), `slow` waits out its
 * deadline and fails, any other model is NOT_FOUND.
 */
export function recordingNode(): { handler: InferenceHandler; seen: InferRequest[] } {
  const seen: InferRequest[] = [];
  const handler: InferenceHandler = {
    serverLive: () => true,
    serverReady: () => true,
    modelReady: () => true,
    serverMetadata: () => ({ name: 'node', version: '1', extensions: [] }),
    modelMetadata: (name) => ({ name, inputs: [], outputs: [] }),
    async infer(request) {
      seen.push(request);
      if (request.model === 'slow') {
        const wait = (request.deadlineMs ?? 0) - Date.now();
        // Unref'd: a call the spec abandoned must not keep Jest waiting for its deadline.
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
        throw new InferenceError('DEADLINE_EXCEEDED', 'gave up at the deadline');
      }
      if (request.model !== 'echo')
        throw new InferenceError('NOT_FOUND', `no model ${request.model}`);
      return { model: request.model, version: request.version ?? '1', outputs: request.inputs };
    },
  };
  return { handler, seen };
}
