import {
  InferenceError,
  ONNX_PLATFORM,
  selectOutputs,
  type InferenceHandler,
  type InferRequest,
  type InferResponse,
  type ModelMetadata,
  type TensorMetadata,
} from '@keelson/inference';
import type { RoutingWatcher } from '../cluster/routing-state';
import type { FaultInjector } from '../drill/fault-injector';
import { CallFigures, outcomeOf } from '../telemetry/call-figures';
import { nodeMetrics, UNKNOWN } from '../telemetry/node-metrics';
import type { LoadedVersion, ModelStore } from './model-store';
import type { PredictionSampler } from './prediction-sampler';
import type { ResponseCache } from './response-cache';

/** What a prediction node answers, over REST and gRPC alike. */
export class NodeInferenceHandler implements InferenceHandler {
  readonly figures: CallFigures;
  /** Calls being answered now: queued, running, or held by an injected hang. */
  active = 0;

  constructor(
    private readonly store: ModelStore,
    private readonly routing: RoutingWatcher,
    private readonly sampler: PredictionSampler,
    /** Heartbeat interval: the span of the latency figures each heartbeat reports. */
    latencyWindowMs: number,
    /** Present only on a node started with PREDICTION_FAULTS=on (drills and tests). */
    private readonly faults?: FaultInjector,
    private readonly cache?: ResponseCache,
  ) {
    this.figures = new CallFigures(latencyWindowMs);
  }

  /** Every call since start, whatever its outcome. */
  get requests(): number {
    return this.figures.calls.total;
  }

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
    let loaded: LoadedVersion | undefined;
    this.active++;
    try {
      loaded = this.require(request.model, request.version);
      if (this.faults) await this.faults.apply(request.deadlineMs);
      const key = this.cache?.key(loaded, request);
      let selected = key === undefined ? undefined : this.cache!.get(key, loaded.model);
      if (!selected) {
        const outputs = await loaded.runner.infer(
          request.inputs,
          request.outputs?.map((o) => o.name),
          request.deadlineMs,
        );
        selected = selectOutputs(outputs, request.outputs);
        if (key !== undefined) this.cache!.set(key, loaded.model, selected);
      }
      const ms = performance.now() - started;
      this.record('ok', ms, request.model, loaded);
      this.sampler.offer(loaded.model, loaded.version, request.inputs, selected, ms);
      return {
        model: loaded.model,
        version: String(loaded.version),
        ...(request.id !== undefined ? { id: request.id } : {}),
        outputs: selected,
      };
    } catch (error) {
      this.record(outcomeOf(error), performance.now() - started, request.model, loaded);
      throw error;
    } finally {
      this.active--;
    }
  }

  private record(
    outcome: ReturnType<typeof outcomeOf>,
    ms: number,
    model: string,
    loaded: LoadedVersion | undefined,
  ): void {
    this.figures.record(outcome, ms, Date.now(), loaded?.model, loaded?.version);
    // Label values only from what this node serves: a client's made-up names make no series.
    const label = loaded?.model ?? (this.store.isKnown(model) ? model : UNKNOWN);
    nodeMetrics.call(label, loaded ? String(loaded.version) : UNKNOWN, outcome, ms / 1_000);
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
