import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { nodeCallHeaders } from '@keelson/config';
import { APP_CONFIG } from '@keelson/config/nest';
import {
  defaultRouting,
  DEFAULT_HEALING_SETTINGS,
  planRouting,
  type HealingSettings,
  type NodeFacts,
  type PoolVerdict,
  type RoutingAction,
} from '@keelson/healing';
import { type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import type { RoutingValue } from '@keelson/schemas';
import { RecoveryAlerts } from '../alerts/recovery-alerts.service';
import { AuditService } from '../audit/audit.service';
import type { RecoveryConfig } from '../config';
import { LeadershipService } from '../leadership/leadership.service';
import { recoveryMetrics, type NodeRouting } from '../metrics/recovery-metrics';
import { AlertView } from './alert-view';
import { CallerView } from './caller-view';
import { ClusterView } from './cluster-view';
import { Prober } from './prober';

interface ProbeResult {
  ok: boolean;
  at: number;
  detail: string;
  failures: number;
}

/**
 * Recovery's routing control loop. Every replica keeps the views (nodes, routing, open node
 * alerts, what callers see); the leader plans every tick (@keelson/healing's planRouting) and
 * applies the plan by compare-and-set, probes the nodes the plan asks about, and raises
 * `pool.degraded` when more of a model's nodes are sick than it may eject.
 */
@Injectable()
export class ControlLoopService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('routing');
  readonly cluster: ClusterView;
  readonly alerts: AlertView;
  readonly callers: CallerView;
  private readonly prober: Prober;
  readonly settings: HealingSettings;
  private readonly probes = new Map<string, ProbeResult>();
  private readonly probing = new Set<string>();
  private holds = new Map<string, string>();
  private pools: PoolVerdict[] = [];
  private readonly degraded = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private planning = false;
  private readonly unreport: () => void;

  constructor(
    @Inject(MESSAGING) messaging: Messaging,
    private readonly leadership: LeadershipService,
    private readonly audit: AuditService,
    private readonly recoveryAlerts: RecoveryAlerts,
    @Inject(APP_CONFIG) private readonly config: RecoveryConfig,
  ) {
    const invalid = (bucket: string, key: string, error: string) =>
      this.logger.warn(`ignored the ${bucket} entry of ${key}: ${error}`);
    this.cluster = new ClusterView(messaging, invalid);
    this.alerts = new AlertView(
      messaging.js,
      (error) => this.logger.warn(`skipped an alert: ${error}`),
      () => void this.tick(), // a new alert is acted on now, not at the next tick
    );
    this.callers = new CallerView(messaging);
    this.prober = new Prober(
      config.routing.probeTimeoutMs,
      nodeCallHeaders(config.nodeCredential.tokens),
    );
    const r = config.routing;
    this.settings = {
      ...DEFAULT_HEALING_SETTINGS,
      maxEjectedShare: r.maxEjectedShare,
      baseEjectionMs: r.baseEjectionMs,
      maxEjectionMs: r.maxEjectionMs,
      slowStartMs: r.slowStartMs,
      minWeight: r.minWeight,
    };
    // A former leader's holds are its last plan's, not the pool's: only the leader reports them.
    this.unreport = recoveryMetrics.routing(
      () => this.registeredRouting(),
      () => (this.leadership.isLeader ? new Set(this.holds.keys()) : undefined),
    );
  }

  async onModuleInit(): Promise<void> {
    await this.cluster.start();
    await this.alerts.start();
    this.callers.start();
    this.leadership.onChange(async (leader) => {
      clearInterval(this.timer);
      if (!leader) return this.recoveryAlerts.follow();
      await this.recoveryAlerts.lead();
      this.timer = setInterval(() => void this.tick(), this.config.routing.tickMs);
      this.timer.unref();
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.unreport();
    this.cluster.stop();
    this.alerts.stop();
    this.callers.stop();
  }

  /** The facts planRouting judges each node by. */
  facts(): NodeFacts[] {
    const ids = new Set([...this.cluster.nodes.keys(), ...this.cluster.routing.keys()]);
    return [...ids].map((nodeId) => {
      const registration = this.cluster.nodes.get(nodeId);
      const routing = this.cluster.routing.get(nodeId)?.value;
      const probe = this.probes.get(nodeId);
      const alert = this.alerts.firing.get(nodeId);
      return {
        nodeId,
        registered: registration !== undefined,
        models: [...new Set(registration?.models.map((m) => m.name) ?? [])],
        ...(routing && { routing }),
        ...(alert && { alert }),
        ...(probe && { probe }),
        ...(routing && { callers: this.callers.since(nodeId, Date.parse(routing.since)) }),
      };
    });
  }

  /**
   * Each registered node's routing, for the gauges. A node that left (its registration expired)
   * drops out although its routing entry stays: node ids are pod names, new with every rollout, so
   * the departed would grow the series without bound.
   */
  private registeredRouting(): NodeRouting[] {
    const now = Date.now();
    return [...this.cluster.nodes.keys()].map((nodeId) => ({
      nodeId,
      routing: this.cluster.routing.get(nodeId)?.value ?? defaultRouting(now),
    }));
  }

  /** The pool as the last plan saw it, and the ejections the cap held back. */
  state() {
    return { pools: this.pools, holds: this.holds, probes: this.probes };
  }

  async tick(now = Date.now()): Promise<void> {
    if (this.planning || !this.leadership.isLeader || !this.alerts.ready) return;
    this.planning = true;
    try {
      const { actions, pools } = planRouting(this.facts(), now, this.settings);
      this.pools = pools;
      const holds = new Map<string, string>();
      for (const action of actions) {
        if (action.kind === 'hold') holds.set(action.nodeId, action.why);
        else if (action.kind === 'probe') this.probe(action.nodeId);
        else await this.apply(action);
      }
      this.holds = holds;
      this.judgePools(pools);
    } catch (error) {
      this.logger.error(`planning failed: ${(error as Error).message}`);
    } finally {
      this.planning = false;
    }
  }

  /** An operator's (or the plan's) write, compared against the entry's revision. */
  async write(nodeId: string, value: RoutingValue, who: string, why: string): Promise<boolean> {
    const before = this.cluster.routing.get(nodeId)?.value;
    const written = await this.cluster.write(nodeId, value, this.cluster.revisionOf(nodeId));
    if (written)
      await this.audit.record(who, `routing.${value.state}`, nodeId, why, {
        before: before ?? null,
        after: value,
      });
    return written;
  }

  private async apply(action: Extract<RoutingAction, { kind: 'write' }>): Promise<void> {
    const value = { ...action.value, by: this.leadership.instance };
    if (!(await this.write(action.nodeId, value, this.leadership.instance, action.why)))
      this.logger.warn(`${action.nodeId} changed under the plan; planning again next tick`);
    else if (value.state !== 'probation' || action.value.weight === this.settings.minWeight)
      this.logger.log(`${action.nodeId} -> ${value.state} (${action.why})`);
  }

  private probe(nodeId: string): void {
    const node = this.cluster.nodes.get(nodeId);
    if (!node || this.probing.has(nodeId)) return;
    this.probing.add(nodeId);
    void this.prober
      .probe(node)
      .then((result) => {
        // Failed probes in a row since the node's routing entry changed: the planner's verdict
        // waits for `failedProbesToEject` of them.
        const previous = this.probes.get(nodeId);
        const since = Date.parse(this.cluster.routing.get(nodeId)?.value.since ?? '') || 0;
        const streak = previous && !previous.ok && previous.at >= since ? previous.failures : 0;
        this.probes.set(nodeId, {
          ...result,
          at: Date.now(),
          failures: result.ok ? 0 : streak + 1,
        });
      })
      .finally(() => this.probing.delete(nodeId));
  }

  private judgePools(pools: PoolVerdict[]): void {
    for (const pool of pools) {
      if (!pool.degraded) {
        this.recoveryAlerts.resolve(
          'pool.degraded',
          pool.model,
          `${pool.model}: ejections cover its sick nodes again`,
        );
        continue;
      }
      const held = pool.unhealthy.filter((id) => !pool.ejected.includes(id));
      const key = `${pool.unhealthy.join(',')}|${pool.ejected.join(',')}`;
      if (
        this.recoveryAlerts.isFiring('pool.degraded', pool.model) &&
        this.degraded.get(pool.model) === key
      )
        continue; // nothing new to say
      this.degraded.set(pool.model, key);
      this.recoveryAlerts.fire({
        kind: 'pool.degraded',
        target: pool.model,
        severity: 'critical',
        message: `${pool.unhealthy.length} of ${pool.size} nodes of ${pool.model} are unhealthy; only ${Math.round(this.settings.maxEjectedShare * 100)}% may be ejected, so ${held.join(', ')} keep${held.length === 1 ? 's' : ''} serving`,
        reasons: ['ejection-cap'],
        evidence: {
          size: pool.size,
          unhealthy: pool.unhealthy,
          ejected: pool.ejected,
          kept: held,
          maxEjectedShare: this.settings.maxEjectedShare,
        },
      });
    }
  }
}
