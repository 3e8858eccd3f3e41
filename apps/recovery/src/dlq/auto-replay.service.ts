import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import type { DlqGroup } from '@keelson/persistence';
import type { RecoveryConfig } from '../config';
import { LeadershipService } from '../leadership/leadership.service';
import { DlqStore } from './dlq-store.service';
import { ReplayService } from './replay.service';
import { ServiceView } from './service-view';

interface Probe {
  taskId: string;
  entryId: string;
  startedAt: number;
}

/**
 * Replays a group of exhausted dead letters on its own once its consumer can take them: first a
 * ready instance of the consumer's service must be heartbeating, then one probe replay (the oldest
 * entry) must be acknowledged without coming back; only then is the rest replayed, at
 * RECOVERY_REPLAY_RATE. A failed probe waits, longer each time, before the next. Terminal
 * failures (invalid events, TerminalError) are never replayed on their own.
 */
@Injectable()
export class AutoReplayService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('auto-replay');
  readonly services: ServiceView;
  private readonly probes = new Map<string, Probe>();
  private readonly backoff = new Map<string, { until: number; failures: number }>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    @Inject(MESSAGING) messaging: Messaging,
    private readonly store: DlqStore,
    private readonly replays: ReplayService,
    private readonly leadership: LeadershipService,
    @Inject(APP_CONFIG) private readonly config: RecoveryConfig,
  ) {
    this.services = new ServiceView(messaging);
  }

  onModuleInit(): void {
    this.services.start();
    this.leadership.onChange((leader) => {
      clearInterval(this.timer);
      this.probes.clear();
      if (!leader) return;
      this.timer = setInterval(() => void this.check(), this.config.replay.checkMs);
      this.timer.unref();
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.services.stop();
  }

  async check(now = Date.now()): Promise<void> {
    if (this.checking || !this.leadership.isLeader) return;
    this.checking = true;
    try {
      const running = await this.replays.list(200);
      const busy = new Set(
        running.filter((t) => t.state === 'running').map((t) => t.selection.groupId),
      );
      for (const group of this.store.allGroups()) {
        if (group.failure !== 'exhausted') continue;
        const probe = this.probes.get(group._id);
        if (probe) await this.followProbe(group, probe, now);
        else if (group.counts.pending > 0 && !busy.has(group._id))
          await this.maybeProbe(group, now);
        else if (
          group.counts.pending === 0 &&
          !busy.has(group._id) &&
          group.replay.status !== 'idle'
        )
          await this.store.setReplay(group._id, { status: 'idle' });
      }
    } catch (error) {
      this.logger.warn(`automatic replay check failed: ${(error as Error).message}`);
    } finally {
      this.checking = false;
    }
  }

  private async maybeProbe(group: DlqGroup, now: number): Promise<void> {
    const ready = this.services.readyFor(group.stream, group.consumer, now);
    if (ready.length === 0) {
      await this.store.setReplay(group._id, {
        status: 'waiting',
        note: `no ready instance runs ${group.stream}/${group.consumer}`,
      });
      return;
    }
    const wait = this.backoff.get(group._id);
    if (wait && now < wait.until) return;
    const [oldest] = await this.store.entries.list(
      { groupId: group._id, state: 'pending', failure: 'exhausted' },
      1,
    );
    if (!oldest) return this.store.recount(group._id);
    const task = await this.replays.create({
      selection: { ids: [oldest._id], state: 'pending' },
      rate: 0,
      by: this.leadership.instance,
      reason: `probe replay: ${ready.join(', ')} ready`,
      auto: true,
    });
    this.probes.set(group._id, { taskId: task._id, entryId: oldest._id, startedAt: now });
    await this.store.setReplay(group._id, { status: 'probing', taskId: task._id });
  }

  private async followProbe(group: DlqGroup, probe: Probe, now: number): Promise<void> {
    const entry = await this.store.entries.get(probe.entryId);
    if (entry?.state === 'resolved') {
      this.probes.delete(group._id);
      this.backoff.delete(group._id);
      const task = await this.replays.create({
        selection: { groupId: group._id, state: 'pending', failure: 'exhausted' },
        rate: this.config.replay.ratePerSecond,
        by: this.leadership.instance,
        reason: 'the probe replay succeeded: replaying the group',
        auto: true,
      });
      await this.store.setReplay(group._id, { status: 'replaying', taskId: task._id });
      this.logger.log(`probe replay of ${group._id} succeeded; replaying ${task.total} entries`);
      return;
    }
    const failed = entry && entry.state !== 'replayed' && entry.returns > 0;
    if (!failed && now - probe.startedAt < this.config.replay.probeTimeoutMs) return;
    this.probes.delete(group._id);
    const failures = (this.backoff.get(group._id)?.failures ?? 0) + 1;
    const delay = Math.min(300_000, 5_000 * 2 ** (failures - 1));
    this.backoff.set(group._id, { until: now + delay, failures });
    await this.store.setReplay(group._id, {
      status: 'waiting',
      note: `probe replay ${failed ? 'failed again' : 'not acknowledged in time'}; next try in ${Math.round(delay / 1_000)} s`,
    });
  }
}
