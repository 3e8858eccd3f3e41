import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { EventPublisher, type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { ReplayTaskRepository, type DeadLetterFilter, type ReplayTask } from '@keelson/persistence';
import { uuidv7 } from '@keelson/schemas';
import { AuditService } from '../audit/audit.service';
import { LeadershipService } from '../leadership/leadership.service';
import { DlqStore } from './dlq-store.service';
import { runReplayTask } from './replay-runner';

/** After a consumer's floor passes a replay, how long a failed one has to come back dead-lettered. */
const RETURN_GRACE_MS = 5_000;

export interface ReplayRequest {
  selection: ReplayTask['selection'];
  rate: number;
  by: string;
  reason: string;
  auto: boolean;
}

/**
 * Replay tasks: created by an operator or by automatic replay, stored, and run by the leader
 * (a task created on another replica is picked up within a second; a task a dead leader was
 * running is resumed from its cursor). A resolver follows each task's replays: once the consumer
 * has acknowledged past them, the ones that did not come back dead-lettered are resolved.
 */
@Injectable()
export class ReplayService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('replay');
  private readonly running = new Map<string, { cancel: boolean; done: Promise<void> }>();
  private timer?: NodeJS.Timeout;
  private payloads?: ObjectStore;
  private readonly publisher: EventPublisher;
  private ticking = false;

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    private readonly store: DlqStore,
    private readonly tasks: ReplayTaskRepository,
    private readonly audit: AuditService,
    private readonly leadership: LeadershipService,
  ) {
    this.publisher = new EventPublisher(messaging.js, this.leadership.instance);
  }

  async onModuleInit(): Promise<void> {
    this.payloads = await new Objm(this.messaging.js).open('dlq-payloads');
    this.leadership.onChange((leader) => {
      clearInterval(this.timer);
      if (!leader) {
        // Not ours any more: stop sending; the next leader resumes from the cursor.
        for (const run of this.running.values()) run.cancel = true;
        return;
      }
      this.timer = setInterval(() => void this.tick(), 1_000);
      this.timer.unref();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const run of this.running.values()) run.cancel = true;
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  /** How many entries a selection picks now (a dry run). */
  count(selection: DeadLetterFilter): Promise<number> {
    return this.store.entries.count(selection);
  }

  /**
   * A new task. The leader starts sending at once while the selection is counted for the task's
   * total (on FerretDB a count is a scan of the collection: 1.2 to 1.8 s at 20,000 entries); its
   * first checkpoint waits until the task is stored.
   */
  async create(request: ReplayRequest): Promise<ReplayTask> {
    const now = new Date();
    const task: ReplayTask = {
      _id: uuidv7(),
      selection: request.selection,
      rate: request.rate,
      auto: request.auto,
      by: request.by,
      reason: request.reason,
      state: 'running',
      total: 0,
      replayed: 0,
      awaiting: [],
      createdAt: now,
      updatedAt: now,
    };
    const counting = this.store.entries.count(request.selection);
    const stored = counting.then(async (total) => {
      task.total = total;
      await this.tasks.save(task); // before any checkpoint: the runner's writes wait for it
    });
    if (this.leadership.isLeader) this.start(task, stored);
    await stored;
    await this.audit.record(request.by, 'dlq.replay', task._id, request.reason, {
      selection: request.selection,
      rate: request.rate,
      total: task.total,
    });
    return { ...task };
  }

  async cancel(id: string, by: string, reason: string): Promise<ReplayTask | null> {
    const task = await this.tasks.get(id);
    if (!task || task.state !== 'running') return task;
    const run = this.running.get(id);
    if (run) {
      run.cancel = true;
      await run.done;
    }
    const latest = (await this.tasks.get(id))!;
    latest.state = 'cancelled';
    latest.finishedAt = latest.updatedAt = new Date();
    await this.tasks.save(latest);
    await this.audit.record(by, 'dlq.replay.cancel', id, reason, { replayed: latest.replayed });
    return latest;
  }

  get(id: string) {
    return this.tasks.get(id);
  }

  list(limit: number) {
    return this.tasks.list(limit);
  }

  /** Starts the stored tasks nobody runs, and resolves replays whose outcome is known. */
  private async tick(): Promise<void> {
    if (this.ticking || !this.leadership.isLeader) return;
    this.ticking = true;
    try {
      for (const task of await this.tasks.running())
        if (!this.running.has(task._id)) this.start(task);
      await this.resolve();
    } catch (error) {
      this.logger.warn(`replay bookkeeping failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Runs a task; `stored` settles once a task just created is stored (failed: never stored). */
  private start(task: ReplayTask, stored?: Promise<void>): void {
    const run = { cancel: false, done: Promise.resolve() };
    task.startedAt ??= new Date();
    run.done = runReplayTask(task, {
      stored,
      entries: this.store.entries,
      publisher: this.publisher,
      payloads: this.payloads!,
      cancelled: () => run.cancel,
      unsettled: this.store.unsettled,
      save: (t) => this.tasks.save({ ...t, updatedAt: new Date() }),
    })
      .then(async () => {
        if (run.cancel) return;
        task.state = 'completed';
        task.finishedAt = task.updatedAt = new Date();
        await this.tasks.save(task);
        this.logger.log(`replay ${task._id} completed: ${task.replayed} replayed`);
      })
      .catch(async (error: Error) => {
        // Never stored: nothing was marked, the caller was told, and there is no task to fail.
        if (
          stored &&
          (await stored.then(
            () => false,
            () => true,
          ))
        )
          return;
        // The cursor is where it is: an operator (or automatic replay) can start again from there.
        task.state = 'failed';
        task.error = error.message;
        task.finishedAt = task.updatedAt = new Date();
        await this.tasks.save(task).catch(() => undefined);
        this.logger.error(`replay ${task._id} failed: ${error.message}`);
      })
      .finally(() => this.running.delete(task._id));
    this.running.set(task._id, run);
  }

  private async resolve(): Promise<void> {
    const now = Date.now();
    for (const task of await this.tasks.awaiting()) {
      const remaining: ReplayTask['awaiting'] = [];
      const groups = new Set<string>();
      // Consecutive stretches whose outcome is known are resolved by one change (each is a
      // query of the selection: one per run of them, not one per checkpoint).
      let run: Array<ReplayTask['awaiting'][number]> = [];
      const flush = async () => {
        if (run.length === 0) return;
        const [first, last] = [run[0], run[run.length - 1]];
        await this.store.entries.update(
          {
            taskId: task._id,
            state: 'replayed',
            ...(first.after && { after: first.after }),
            upTo: last.upTo,
          },
          { set: { state: 'resolved' } },
        );
        for (const stretch of run)
          for (const key of Object.keys(stretch.seqs))
            for (const g of this.store.allGroups())
              if (`${g.stream}/${g.consumer}` === key) groups.add(g._id);
        run = [];
      };
      for (const stretch of task.awaiting) {
        const known =
          now - new Date(stretch.at).getTime() >= RETURN_GRACE_MS &&
          (await this.passed(stretch.seqs));
        if (known) {
          run.push(stretch);
          continue;
        }
        await flush();
        remaining.push(stretch);
      }
      await flush();
      if (remaining.length === task.awaiting.length) continue;
      const latest = (await this.tasks.get(task._id)) ?? task;
      // Only the resolved ones go: a running task may have added stretches since it was read.
      const resolved = new Set(
        task.awaiting.filter((a) => !remaining.includes(a)).map((a) => a.upTo),
      );
      latest.awaiting = latest.awaiting.filter((a) => !resolved.has(a.upTo));
      await this.tasks.save({ ...latest, updatedAt: new Date() });
      for (const g of groups) await this.store.recount(g);
    }
  }

  /** Every consumer has acknowledged (or terminated) past the replays' stream sequences. */
  private async passed(seqs: Record<string, number>): Promise<boolean> {
    for (const [key, seq] of Object.entries(seqs)) {
      const [stream, consumer] = key.split('/');
      const info = await this.messaging.jsm.consumers.info(stream, consumer).catch(() => null);
      if (!info || info.ack_floor.stream_seq < seq) return false;
    }
    return true;
  }
}
