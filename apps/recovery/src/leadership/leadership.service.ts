import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Kvm } from '@nats-io/kv';
import { APP_CONFIG } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import type { RecoveryConfig } from '../config';
import { recoveryMetrics } from '../metrics/recovery-metrics';
import { Lease } from './lease';
import { LeadershipListeners, type LeadershipListener } from './leadership-listeners';

/**
 * Holds (or waits for) the recovery lease and tells the parts that act (the routing control loop,
 * the dead-letter consumer, replays) when this replica becomes the leader or stops being it (a
 * part that subscribes while it already leads hears so at once).
 * Followers check twice as often as the leader renews, so a dead leader is replaced within its
 * lease and one check.
 */
@Injectable()
export class LeadershipService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('leadership');
  private lease?: Lease;
  private leader = false;
  private timer?: NodeJS.Timeout;
  private readonly listeners = new LeadershipListeners((leader, error) =>
    this.logger.error(`reacting to leadership ${leader}: ${error.message}`),
  );
  private readonly unreport = recoveryMetrics.leadership(() => this.isLeader);

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    @Inject(APP_CONFIG) private readonly config: RecoveryConfig,
  ) {}

  get isLeader(): boolean {
    return this.leader && (this.lease?.held ?? false);
  }

  get instance(): string {
    return `recovery/${this.config.nodeId}`;
  }

  onChange(listener: LeadershipListener): void {
    this.listeners.add(listener);
  }

  async onModuleInit(): Promise<void> {
    const kv = await new Kvm(this.messaging.js).open('recovery-lease');
    this.lease = new Lease(kv, this.instance, this.config.lease.durationMs);
    const loop = async () => {
      const leader = await this.lease!.tick();
      if (leader !== this.leader) await this.become(leader);
      this.timer = setTimeout(loop, this.config.lease.durationMs / (leader ? 3 : 6));
      this.timer.unref();
    };
    await loop();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    if (this.leader) await this.become(false);
    await this.lease?.release();
    this.unreport();
  }

  private become(leader: boolean): Promise<void> {
    this.leader = leader;
    this.logger.log(leader ? `leading (term ${this.lease?.term})` : 'following');
    return this.listeners.change(leader);
  }
}
