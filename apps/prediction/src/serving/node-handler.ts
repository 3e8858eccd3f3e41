import {
  InferenceError,
  ONNX_PLATFORM,
  selectOutputs,
  type InferenceHandler,
  type InferRequest,
  type InferResponse,
  type ModelMetadata,
  type TensorMetadata,
  LatencyWindow,
} from '@keelson/inference';
import type { RoutingWatcher } from '../cluster/routing-state';
import type { LoadedVersion, ModelStore } from './model-store';
import type { PredictionSampler } from './prediction-sampler';

/** What a prediction node answers, over REST and gRPC alike. */
export class NodeInferenceHandler implements InferenceHandler {
  readonly latency = new LatencyWindow();
  requests = 0;
  errors = 0;

  constructor(
    private readonly store: ModelStore,
    private readonly routing: RoutingWatcher,
    private readonly sampler: PredictionSampler,
  ) {}

  serverLive(): boolean {
    return true;
  }

  /** Ready when every desired version is warm and recovery has not ejected this node. */
  serverReady(): boolean {
    return this.routing.state !== 'ejected' && this.store.ready();
  }

  modelReady(name: string, version?: string): boolean {
    return this.find(name, version) !== undefined;
  }

  serverMetadata() {
    return { name: 'keelson-prediction', version: '0.1.0', extensions: [] };
  }

  modelMetadata(name: string, version?: string): ModelMetadata {
    const loaded = this.require(name, version);
    const meta = loaded.runner.metadata();
    return {
      name,
      versions: this.store
        .loaded()
        .filter((m) => m.name === name && m.ready)
        .map((m) => String(m.version)),
      platform: ONNX_PLATFORM,
      inputs: meta.inputs as TensorMetadata[],
      outputs: meta.outputs as TensorMetadata[],
    };
  }

  async infer(request: InferRequest): Promise<InferResponse> {
    const started = performance.now();
    this.requests++;
    try {
      const loaded = this.require(request.model, request.version);
      const outputs = await loaded.runner.infer(
        request.inputs,
        request.outputs?.map((o) => o.name),
        request.deadlineMs,
      );
      const selected = selectOutputs(outputs, request.outputs);
      const ms = performance.now() - started;
      this.latency.record(ms, Date.now());
      this.sampler.offer(loaded.model, loaded.version, request.inputs, selected, ms);
      return {
        model: loaded.model,
        version: String(loaded.version),
        ...(request.id !== undefined ? { id: request.id } : {}),
        outputs: selected,
      };
    } catch (error) {
      this.errors++;
      throw error;
    }
  }

  private find(name: string, version?: string): LoadedVersion | undefined {
    if (version === undefined || version === '') return this.store.resolve(name);
    if (!/^\d+$/.test(version)) return undefined;
    return this.store.resolve(name, Number(version));
  }

  private require(name: string, version?: string): LoadedVersion {
    const loaded = this.find(name, version);
    if (loaded) return loaded;
    const what = version ? `version ${version} of model '${name}'` : `model '${name}'`;
    throw new InferenceError('NOT_FOUND', `${what} is not served by this node`);
  }
}
