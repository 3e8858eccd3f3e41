import {
  InferenceError,
  type InferenceErrorCode,
  type InferenceHandler,
  type InferRequest,
  type InferResponse,
  type InferResponseJson,
  type ModelMetadata,
  type ProtoInferCall,
  type RestInferCall,
  type ServerMetadata,
  LatencyWindow,
  scanProtoTarget,
} from '@keelson/inference';
import type { NodePool, PoolNode, Target } from '../pool/node-pool';
import type { CallLimits } from '../transport/node-transport';
import { gatewayMetrics } from '../telemetry/gateway-metrics';
import { ModelTraffic } from '../telemetry/model-traffic';
import type { Dispatcher, DispatchEvents } from './dispatcher';
import type { ModelVersions } from './model-versions';

/** Label for model names nobody serves, so clients cannot grow the metrics without bound. */
const UNKNOWN_MODEL = '_unknown';

/**
 * The gateway's side of the Open Inference Protocol, over REST and gRPC alike: every model call is
 * forwarded to the node pool. A request without a version goes to the model's production version
 * or, for `canaryWeight` of them, its canary; one with a version goes to that version. Unknown
 * models are NOT_FOUND; known ones that no node can serve right now are UNAVAILABLE (the client
 * may retry later).
 */
export class GatewayHandler implements InferenceHandler {
  /** Requests of the last second (a heartbeat's span). */
  readonly latency = new LatencyWindow(4096, 1_000);
  readonly traffic = new ModelTraffic();
  requests = 0;
  errors = 0;
  retries = 0;
  hedges = 0;

  constructor(
    private readonly pool: NodePool,
    private readonly versions: ModelVersions,
    private readonly dispatcher: Dispatcher,
    private readonly requestTimeoutMs: number,
    private readonly onCircuitOpened: (node: PoolNode) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  serverLive(): boolean {
    return true;
  }

  /** Ready while at least one node takes traffic. */
  serverReady(): boolean {
    return this.pool.routableCount() > 0;
  }

  serverMetadata(): ServerMetadata {
    return { name: 'keelson-gateway', version: '0.1.0', extensions: [] };
  }

  modelReady(name: string, version?: string): boolean {
    try {
      this.target(name, version, false);
      return true;
    } catch {
      return false;
    }
  }

  async modelMetadata(name: string, version?: string): Promise<ModelMetadata> {
    const target = this.target(name, version, false);
    return this.dispatcher.dispatch(
      target,
      Date.now() + this.requestTimeoutMs,
      (node, limits) => node.transport.modelMetadata(name, version, limits),
      this.events(this.label(name), version ?? ''),
    );
  }

  async infer(request: InferRequest): Promise<InferResponse> {
    return this.forward(
      request.model,
      request.version,
      request.deadlineMs,
      (node, version, limits) => node.transport.infer({ ...request, version }, limits),
      (response) => response.version,
    );
  }

  /**
   * A REST call relayed as bytes both ways (see InferenceHandler): the node it reaches decodes and
   * validates the body, and its answer goes back to the client as it came.
   */
  inferRestBody(call: RestInferCall): Promise<Uint8Array> {
    return this.relay(call, 'inferRestBody', restAnswerVersion);
  }

  /** A gRPC client's ModelInfer relayed the same way, protobuf bytes both ways. */
  inferProtoBody(call: ProtoInferCall): Promise<Uint8Array> {
    return this.relay(call, 'inferProtoBody', protoAnswerVersion);
  }

  private relay(
    { model, version, body, deadlineMs }: RestInferCall | ProtoInferCall,
    send: 'inferRestBody' | 'inferProtoBody',
    answeredVersion: (answer: Uint8Array) => string | undefined,
  ): Promise<Uint8Array> {
    return this.forward(
      model,
      version,
      deadlineMs,
      (node, chosen, limits) => node.transport[send]({ model, version: chosen, body }, limits),
      answeredVersion,
    );
  }

  /**
   * Sends one inference call to the version the target rules pick, over the dispatcher (retries,
   * hedges, breakers), and counts its outcome in the heartbeat's totals, the model's traffic and
   * /metrics.
   */
  private async forward<T>(
    requestedModel: string,
    requestedVersion: string | undefined,
    deadlineMs: number | undefined,
    call: (node: PoolNode, version: string | undefined, limits: CallLimits) => Promise<T>,
    answeredVersion: (response: T) => string | undefined,
  ): Promise<T> {
    const started = performance.now();
    const model = this.label(requestedModel);
    let version = requestedVersion ?? '';
    this.requests++;
    try {
      const target = this.target(requestedModel, requestedVersion, true);
      const chosen = target.version === undefined ? undefined : String(target.version);
      if (chosen !== undefined) version = chosen;
      const response = await this.dispatcher.dispatch(
        target,
        // The client's deadline, but never longer than the gateway's own request timeout.
        Math.min(deadlineMs ?? Infinity, Date.now() + this.requestTimeoutMs),
        (node, limits) => call(node, chosen, limits),
        this.events(model, version),
      );
      const ms = performance.now() - started;
      this.latency.record(ms, Date.now());
      this.traffic.record(model, 'ok', ms);
      gatewayMetrics.answered(model, chosen ?? answeredVersion(response) ?? version, ms / 1_000);
      return response;
    } catch (error) {
      const code = error instanceof InferenceError ? error.code : 'INTERNAL';
      this.countFailure(model, version, code, performance.now() - started);
      throw error;
    }
  }

  /**
   * A request for `model` refused at the door, before its body was read (no node has room for
   * it): counted as any failed request, in the heartbeat's totals and its model's traffic too, so
   * SLOs computed from heartbeats see what clients saw.
   */
  refusedAtDoor(model: string, error: InferenceError): void {
    this.requests++;
    this.countFailure(this.label(model), '', error.code, 0);
  }

  /** A failed request in every count: heartbeat totals, latency, the model's traffic, /metrics. */
  private countFailure(model: string, version: string, code: InferenceErrorCode, ms: number): void {
    this.errors++;
    this.latency.record(ms, Date.now());
    this.traffic.record(model, isClientMistake(code) ? 'client_error' : 'server_error', ms);
    gatewayMetrics.failed(model, version, code, ms / 1_000);
  }

  /**
   * Where a request goes. Without a version: the canary (by weight) or production, as the `models`
   * bucket says, provided some node has it warm; otherwise whatever version the nodes serve as
   * production (a rollout under way, or a model the bucket does not name).
   */
  private target(model: string, version: string | undefined, canary: boolean): Target {
    if (version !== undefined && version !== '') {
      const v = /^\d+$/.test(version) ? Number(version) : NaN;
      const target = { model, version: v };
      if (Number.isInteger(v) && this.pool.canServe(target, true)) return target;
      if (Number.isInteger(v) && (this.pool.knows(model, v) || this.versions.names(model, v)))
        throw unavailable(`version ${version} of model '${model}'`);
      throw new InferenceError('NOT_FOUND', `version ${version} of model '${model}' is not served`);
    }
    const choice = canary
      ? this.versions.choose(model, this.random)
      : this.versions.choose(model, () => 1);
    const candidates: Target[] = [];
    if (choice.version !== undefined) candidates.push({ model, version: choice.version });
    if (choice.fallback !== undefined) candidates.push({ model, version: choice.fallback });
    candidates.push({ model });
    for (const target of candidates) if (this.pool.canServe(target)) return target;
    for (const target of candidates) if (this.pool.canServe(target, true)) return target;
    if (this.pool.knows(model) || this.versions.knows(model)) throw unavailable(`model '${model}'`);
    throw new InferenceError('NOT_FOUND', `model '${model}' is not served`);
  }

  private label(model: string): string {
    return this.pool.knows(model) || this.versions.knows(model) ? model : UNKNOWN_MODEL;
  }

  private events(model: string, version: string): DispatchEvents {
    return {
      extraAttempt: (kind) => {
        // The heartbeat has no field for rescues: they are retries there (and `rescue` in /metrics).
        if (kind === 'hedge') this.hedges++;
        else this.retries++;
        gatewayMetrics.retried(model, version, kind);
      },
      budgetExhausted: () => gatewayMetrics.budgetExhausted(),
      circuitOpened: (node) => {
        gatewayMetrics.circuitOpened(node.id);
        this.onCircuitOpened(node);
      },
    };
  }
}

/**
 * A request the caller got wrong (malformed, or a model or version nobody serves): it burns no
 * error budget. Everything else, overload included, is the platform failing its callers.
 */
const isClientMistake = (code: string) => code === 'INVALID_ARGUMENT' || code === 'NOT_FOUND';

/**
 * The version a node answered with, for the rare call the gateway sent without one (no version
 * the `models` bucket names is warm): read from a relayed answer only then.
 */
function restAnswerVersion(response: Uint8Array): string | undefined {
  try {
    const version = (JSON.parse(Buffer.from(response).toString('utf8')) as InferResponseJson)
      .model_version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

function protoAnswerVersion(response: Uint8Array): string | undefined {
  try {
    return scanProtoTarget(response).version;
  } catch {
    return undefined;
  }
}

const unavailable = (what: string) =>
  new InferenceError('UNAVAILABLE', `no prediction node can serve ${what} right now`);
