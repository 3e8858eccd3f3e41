import type { NodeTransport } from '../transport/node-transport';
import type { GatewayNodeView, RoutingState } from '@keelson/schemas';
import { CircuitBreaker, type BreakerSettings, type CircuitState } from './circuit-breaker';
import { NodeAttempts } from './node-attempts';
import { AdaptiveLimit, type AdaptiveLimitSettings } from '@keelson/service-kit';
import { pickPowerOfTwo } from './power-of-two';

/** A node's entry in the `nodes` bucket (and the same figures in its heartbeats). */
export interface NodeRecord {
  nodeId: string;
  addresses: { http: string; grpc: string };
  models: Array<{ name: string; version: number; ready: boolean }>;
}

/** What the gateway takes from a node's `routing` entry; no entry means active at full weight. */
export interface RoutingEntry {
  state: RoutingState;
  weight: number;
}

/** Which of a node's addresses the gateway uses, and a connection to it. */
export interface TransportFactory {
  addressOf(record: NodeRecord): string;
  create(address: string): NodeTransport;
}

export interface PoolSettings {
  staleAfterMs: number;
  forgetAfterMs: number;
  breaker: BreakerSettings;
  /** Span of the per-node latency figures in heartbeats (the heartbeat interval; 1 s). */
  statsWindowMs?: number;
  /** Each node's adaptive concurrency limit; none: a node takes whatever is sent. */
  concurrency?: AdaptiveLimitSettings;
}

/** What a request is sent to: a model, and a version (none: the node's own production). */
export interface Target {
  model: string;
  version?: number;
}

/** An attempt sent to a node and not finished yet (see routing/request-attempts.ts). */
export interface InFlightAttempt {
  /** The node's circuit opened while the attempt waited: it should not wait any longer. */
  circuitOpened(): void;
}

/** One prediction node as this gateway sees it. */
export class PoolNode {
  /** This gateway's attempts on the node that have not answered, failed or been abandoned. */
  readonly inFlight = new Set<InFlightAttempt>();
  weight = 1;
  routing: RoutingState = 'active';
  lastSeen: number;
  readonly attempts: NodeAttempts;
  /** `name@version` of every ready version and of every listed one; models listed, and ready. */
  private ready = new Set<string>();
  private listed = new Set<string>();
  private names = new Set<string>();
  private readyNames = new Set<string>();

  constructor(
    readonly id: string,
    readonly address: string,
    readonly transport: NodeTransport,
    readonly breaker: CircuitBreaker,
    now: number,
    statsWindowMs = 1_000,
    /** How many of this gateway's requests the node may have outstanding (none: no cap). */
    readonly limit?: AdaptiveLimit,
  ) {
    this.lastSeen = now;
    this.attempts = new NodeAttempts(statsWindowMs);
    // Calls waiting on a node the gateway has just stopped trusting would otherwise sit there until
    // the attempt timeout (a hung node never answers them): they are told at once.
    breaker.onOpen = () => {
      for (const attempt of [...this.inFlight]) attempt.circuitOpened();
    };
  }

  /** Requests this gateway has outstanding on the node: what power of two choices compares. */
  get outstanding(): number {
    return this.inFlight.size;
  }

  /** The node has room for one more request under its concurrency limit. */
  get hasRoom(): boolean {
    return this.limit?.admits(this.inFlight.size) ?? true;
  }

  setModels(models: NodeRecord['models']): void {
    this.ready = new Set(models.filter((m) => m.ready).map((m) => `${m.name}@${m.version}`));
    this.listed = new Set(models.map((m) => `${m.name}@${m.version}`));
    this.names = new Set(models.map((m) => m.name));
    this.readyNames = new Set(models.filter((m) => m.ready).map((m) => m.name));
  }

  /** Serves `target`: the version, or for no version any version of the model, loaded and warm. */
  serves(target: Target): boolean {
    if (target.version !== undefined) return this.ready.has(`${target.model}@${target.version}`);
    return this.readyNames.has(target.model);
  }

  /** One version the node announced as ready, if any: what a probe asks about. */
  someReadyVersion(): { model: string; version: string } | undefined {
    for (const key of this.ready) {
      const at = key.lastIndexOf('@');
      return { model: key.slice(0, at), version: key.slice(at + 1) };
    }
    return undefined;
  }

  /** Lists the model (ready or still loading). */
  lists(model: string, version?: number): boolean {
    return version === undefined ? this.names.has(model) : this.listed.has(`${model}@${version}`);
  }

  /**
   * Takes traffic: active at its weight, or on probation at its (small, growing) weight while it
   * proves itself. Ejected and drained nodes take none.
   */
  get admitted(): boolean {
    return (this.routing === 'active' || this.routing === 'probation') && this.weight > 0;
  }
}

export interface NodeView {
  nodeId: string;
  address: string;
  routing: RoutingState;
  circuit: CircuitState;
  outstanding: number;
  /** Outstanding requests the node may have (its adaptive limit); none: no cap. */
  concurrencyLimit?: number;
  stale: boolean;
  reachable: boolean;
  routable: boolean;
}

/**
 * The node pool: who exists (the `nodes` bucket and heartbeats), who may take traffic (the
 * `routing` bucket and each node's circuit), and which node gets the next request (power of two
 * choices among those serving the requested version). Plain state, fed by PoolWatchers; no I/O
 * except the transports it creates and the breaker probes.
 */
export class NodePool {
  private readonly nodes = new Map<string, PoolNode>();
  private readonly routing = new Map<string, RoutingEntry>();
  /** When any node was last heard from: hearing nobody means our own NATS link is down. */
  private lastHeard: number;

  constructor(
    private readonly settings: PoolSettings,
    private readonly transports: TransportFactory,
    private readonly now: () => number = () => performance.now(),
    private readonly random: () => number = Math.random,
  ) {
    this.lastHeard = now();
  }

  /** A node registered or refreshed its entry (or heartbeat). */
  upsert(record: NodeRecord): void {
    const address = this.transports.addressOf(record);
    let node = this.nodes.get(record.nodeId);
    if (node && node.address !== address) {
      // The node restarted on another port: a fresh connection and a fresh circuit.
      this.remove(record.nodeId);
      node = undefined;
    }
    if (!node) {
      node = new PoolNode(
        record.nodeId,
        address,
        this.transports.create(address),
        new CircuitBreaker(this.settings.breaker, this.now),
        this.now(),
        this.settings.statsWindowMs,
        this.settings.concurrency && new AdaptiveLimit(this.settings.concurrency),
      );
      this.nodes.set(record.nodeId, node);
      this.applyRouting(node);
    }
    node.lastSeen = this.lastHeard = this.now();
    node.setModels(record.models);
  }

  /** A heartbeat from a node already in the pool. */
  seen(nodeId: string, models?: NodeRecord['models']): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    node.lastSeen = this.lastHeard = this.now();
    if (models) node.setModels(models);
  }

  remove(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.nodes.delete(nodeId);
    node.transport.close();
    this.onRemoved?.(nodeId);
  }

  /** Told when a node leaves the pool (its metric series go with it). */
  onRemoved?: (nodeId: string) => void;

  setRouting(nodeId: string, entry: RoutingEntry | undefined): void {
    if (entry) this.routing.set(nodeId, entry);
    else this.routing.delete(nodeId);
    const node = this.nodes.get(nodeId);
    if (node) this.applyRouting(node);
  }

  private applyRouting(node: PoolNode): void {
    const entry = this.routing.get(node.id);
    node.routing = entry?.state ?? 'active';
    node.weight = entry?.weight ?? 1;
  }

  /**
   * The node for the next attempt at `target`, never one in `exclude` (the nodes already tried).
   * Only routing-active nodes with the version warm are candidates; among them, nodes with a
   * closed circuit, a live connection and a recent heartbeat are preferred. If no candidate has
   * a closed circuit, the ones whose circuits are open are tried rather than failing outright
   * (a pool whose every circuit opened at once more likely saw a blip than died).
   */
  pick(target: Target, exclude?: ReadonlySet<string>): PoolNode | undefined {
    const now = this.now();
    const admitted: PoolNode[] = [];
    const closed: PoolNode[] = [];
    const best: PoolNode[] = [];
    for (const node of this.nodes.values()) {
      if (!node.admitted || exclude?.has(node.id) || !node.serves(target) || !node.hasRoom)
        continue;
      admitted.push(node);
      if (!node.breaker.closed) continue;
      closed.push(node);
      if (now - node.lastSeen <= this.settings.staleAfterMs && node.transport.reachable())
        best.push(node);
    }
    const pool = best.length > 0 ? best : closed.length > 0 ? closed : admitted;
    return pickPowerOfTwo(pool, this.random);
  }

  /**
   * Some admitted node serves the model, and every one that does is at its concurrency limit: a
   * request for it would be refused, so it can be before its body is even read.
   */
  atCapacity(model: string): boolean {
    let serving = false;
    for (const node of this.nodes.values()) {
      if (!node.admitted || !node.serves({ model })) continue;
      if (node.hasRoom) return false;
      serving = true;
    }
    return serving;
  }

  /** Some admitted node serves `target` with a closed circuit (or any circuit, `evenOpen`). */
  canServe(target: Target, evenOpen = false): boolean {
    for (const node of this.nodes.values())
      if (node.admitted && (evenOpen || node.breaker.closed) && node.serves(target)) return true;
    return false;
  }

  /** Some node lists the model (or the version), whatever its state: the pool knows of it. */
  knows(model: string, version?: number): boolean {
    for (const node of this.nodes.values()) if (node.lists(model, version)) return true;
    return false;
  }

  /** At least one node could take a request for some model now. */
  routableCount(): number {
    let count = 0;
    for (const node of this.nodes.values()) if (node.admitted && node.breaker.closed) count++;
    return count;
  }

  /**
   * Call often: forgets nodes silent for too long, opens the circuit of a node whose connection
   * failed (`opened` is told), and probes open circuits whose cool-down is over.
   */
  maintain(probe: (node: PoolNode) => Promise<boolean>, opened?: (node: PoolNode) => void): void {
    const now = this.now();
    // While the gateway hears no node at all, the silence is more likely its own (NATS down) than
    // the whole pool's: it keeps the nodes it knows and lets the circuits judge them.
    const deaf = now - this.lastHeard > this.settings.staleAfterMs;
    for (const node of [...this.nodes.values()]) {
      if (!deaf && now - node.lastSeen > this.settings.forgetAfterMs) {
        this.remove(node.id);
        continue;
      }
      if (!node.transport.reachable() && node.breaker.trip()) opened?.(node);
      if (!node.breaker.probeDue()) continue;
      node.breaker.startProbe();
      void probe(node).then(
        (ok) => node.breaker.probeResult(ok),
        () => node.breaker.probeResult(false),
      );
    }
  }

  openCircuits(): string[] {
    return [...this.nodes.values()].filter((n) => !n.breaker.closed).map((n) => n.id);
  }

  snapshot(): NodeView[] {
    const now = this.now();
    return [...this.nodes.values()].map((n) => ({
      nodeId: n.id,
      address: n.address,
      routing: n.routing,
      circuit: n.breaker.state,
      outstanding: n.outstanding,
      ...(n.limit && { concurrencyLimit: n.limit.limit }),
      stale: now - n.lastSeen > this.settings.staleAfterMs,
      reachable: n.transport.reachable(),
      routable: n.admitted && n.breaker.closed,
    }));
  }

  /** Each node as this gateway's callers see it, for the heartbeat. */
  views(): GatewayNodeView[] {
    const now = this.now();
    return [...this.nodes.values()].map((n) => ({
      nodeId: n.id,
      outstanding: n.outstanding,
      ...n.attempts.figures(now),
      circuit: n.breaker.state,
      reachable: n.transport.reachable(),
      routable: n.admitted && n.breaker.closed,
    }));
  }

  close(): void {
    for (const id of [...this.nodes.keys()]) this.remove(id);
  }
}
