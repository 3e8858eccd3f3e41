import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kvm, KvWatchInclude } from '@nats-io/kv';
import type { Subscription } from '@nats-io/transport-node';
import { decodeJson, type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { GatewayHeartbeat, NodeHeartbeat } from '@keelson/schemas';
import { monitoringMetrics } from '../metrics/monitoring-metrics';
import { SeriesService } from '../anomaly/series.service';
import { SloService } from '../slo/slo.service';
import { NodeHealthService } from './node-health.service';

/**
 * The telemetry edge. Heartbeats are read as they are sent (a core NATS subscription on
 * `telemetry.>`, not a durable consumer), so after a restart monitoring judges nodes by what they
 * say now, never by a backlog of old beats; each is validated, and an invalid one is counted and
 * skipped. A node's `nodes` entry being deleted means it stopped cleanly: it is forgotten without
 * an alert. While monitoring's own NATS link is down, silence says nothing about the nodes.
 */
@Injectable()
export class TelemetryListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('telemetry');
  private subscription?: Subscription;
  private stopWatch?: () => void;
  private disconnected = false;

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    private readonly health: NodeHealthService,
    private readonly slo: SloService,
    private readonly series: SeriesService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = this.messaging.nc.subscribe('telemetry.>', {
      callback: (error, msg) => {
        if (!error) this.onMessage(msg.subject, msg.data);
      },
    });
    const nodes = await new Kvm(this.messaging.js).open('nodes');
    const watch = await nodes.watch({ include: KvWatchInclude.UpdatesOnly });
    this.stopWatch = () => watch.stop();
    void (async () => {
      for await (const entry of watch)
        if (entry.operation === 'DEL' || entry.operation === 'PURGE') {
          this.health.pool.forget(entry.key);
          this.series.forgetNode(entry.key);
        }
    })();
    void this.followStatus();
  }

  onApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    this.stopWatch?.();
  }

  private onMessage(subject: string, data: Uint8Array): void {
    const source = subject.startsWith('telemetry.node.')
      ? 'node'
      : subject.startsWith('telemetry.gateway.')
        ? 'gateway'
        : undefined;
    if (!source) return; // service heartbeats are recovery's
    const decoded = decodeJson(data);
    const receivedAt = this.health.now();
    // The heartbeat's wall-clock age on arrival, moved onto the scorer's monotonic clock.
    const sentAt = (iso: string) => receivedAt - (Date.now() - Date.parse(iso));
    let result: 'accepted' | 'stale' | 'invalid' = 'invalid';
    if (decoded.ok && source === 'node') {
      const checked = NodeHeartbeat.validate(decoded.value);
      if (checked.ok) {
        const beat = checked.value.data;
        result = this.health.nodeBeat(beat, receivedAt, sentAt(beat.sentAt)) ? 'accepted' : 'stale';
        if (result === 'accepted') this.series.nodeBeat(beat);
      }
    } else if (decoded.ok) {
      const checked = GatewayHeartbeat.validate(decoded.value);
      if (checked.ok) {
        const beat = checked.value.data;
        result = this.health.gatewayBeat(beat, receivedAt, sentAt(beat.sentAt))
          ? 'accepted'
          : 'stale';
        if (result === 'accepted') this.slo.gatewayBeat(beat);
      }
    }
    monitoringMetrics.heartbeats.inc({ source, result });
  }

  private async followStatus(): Promise<void> {
    for await (const status of this.messaging.nc.status()) {
      if (status.type === 'disconnect') {
        this.disconnected = true;
        this.health.pool.suspendSilence(Infinity);
        this.logger.warn('NATS link lost: node silence is not judged until it is back');
      } else if (status.type === 'reconnect' && this.disconnected) {
        this.disconnected = false;
        this.health.pool.resumeSilence(this.health.now() + 3_000);
      }
    }
  }
}
