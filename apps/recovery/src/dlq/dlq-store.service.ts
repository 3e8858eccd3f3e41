import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { dlqGroupId, errorFingerprint } from '@keelson/healing';
import {
  DEAD_LETTER_STATES,
  DeadLetterRepository,
  DLQ_GROUP_TRACES,
  DlqGroupRepository,
  type DeadLetterEntry,
  type DeadLetterState,
  type DlqGroup,
} from '@keelson/persistence';
import type { CloudEvent, DeadLettered, EventData } from '@keelson/schemas';
import { traceIdOf } from '@keelson/tracing';
import { RecoveryAlerts } from '../alerts/recovery-alerts.service';
import type { RecoveryConfig } from '../config';
import { recoveryMetrics } from '../metrics/recovery-metrics';

/** Header a replay carries: the id of the dead letter it replays. */
export const REPLAY_OF = 'x-keelson-replay-of';
export const REPLAY_TASK = 'x-keelson-replay-task';
export const ORIGINAL_TRACEPARENT = 'x-keelson-original-traceparent';

const emptyCounts = (): Record<DeadLetterState, number> =>
  Object.fromEntries(DEAD_LETTER_STATES.map((s) => [s, 0])) as Record<DeadLetterState, number>;

/**
 * Dead letters as recovery keeps them: each DLQ message stored as an entry (acknowledged only once
 * stored), grouped by stream, consumer and the fingerprint of its error, with counts and first and
 * last seen. A replay that fails again comes back as a DLQ message naming the entry it replayed:
 * that entry goes back to pending, or is parked (and `dlq.parked` raised) after its last replay.
 * Only the leader writes, one change at a time per group, so groups are written whole. Its groups'
 * counts are the `keelson_recovery_dlq_entries` gauge (no query per scrape: FerretDB counts by
 * scanning); they move with each intake and return, and with the recount after replays and
 * archiving.
 */
@Injectable()
export class DlqStore implements OnApplicationShutdown {
  private readonly logger = new Logger('dlq');
  private readonly groups = new Map<string, DlqGroup>();
  private readonly writes = new Map<string, Promise<void>>();
  /** Entries a running replay has sent but not checkpointed yet (see runReplayTask). */
  readonly unsettled = new Set<string>();
  private readonly unreport = recoveryMetrics.dlqGroups(() =>
    this.leading ? this.groups.values() : [],
  );

  constructor(
    readonly entries: DeadLetterRepository,
    private readonly groupStore: DlqGroupRepository,
    private readonly alerts: RecoveryAlerts,
    @Inject(APP_CONFIG) private readonly config: RecoveryConfig,
  ) {}

  private leading = false;

  onApplicationShutdown(): void {
    this.unreport();
  }

  /** Loads every group (a new leader). */
  async lead(): Promise<void> {
    this.groups.clear();
    for (const g of await this.groupStore.all()) this.groups.set(g._id, g);
    this.leading = true;
  }

  follow(): void {
    this.leading = false;
  }

  /** The leader's groups (what automatic replay and the resolver work from). */
  allGroups(): DlqGroup[] {
    return [...this.groups.values()].sort((a, b) => +new Date(b.lastSeen) - +new Date(a.lastSeen));
  }

  /** Groups for the API: the leader's own view, or the stored one on any other replica. */
  async listGroups(): Promise<DlqGroup[]> {
    return this.leading ? this.allGroups() : this.groupStore.all();
  }

  async findGroup(id: string): Promise<DlqGroup | null> {
    return this.leading ? (this.groups.get(id) ?? null) : this.groupStore.get(id);
  }

  /** One DLQ message: a new entry, or the return of a replay that failed again. */
  async intake(event: CloudEvent<EventData<typeof DeadLettered>>): Promise<void> {
    const d = event.data;
    const replayOf = d.headers[REPLAY_OF]?.[0];
    if (replayOf && (await this.returned(replayOf, event.id, d.error))) return;
    const { fingerprint, pattern } = errorFingerprint(d.error);
    const groupId = dlqGroupId(d.stream, d.consumer, fingerprint);
    const entry: DeadLetterEntry = {
      _id: event.id,
      groupId,
      stream: d.stream,
      consumer: d.consumer,
      originalSubject: d.originalSubject,
      streamSequence: d.streamSequence,
      reason: d.reason,
      failure: d.failure,
      error: d.error,
      fingerprint,
      pattern,
      headers: d.headers,
      payloadBase64: d.payloadBase64,
      ...(d.payloadObject && { payloadObject: d.payloadObject }),
      payloadBytes: d.payloadBytes ?? Buffer.from(d.payloadBase64, 'base64').length,
      ...(d.eventId && { eventId: d.eventId }),
      failedAt: new Date(d.failedAt),
      storedAt: new Date(),
      state: 'pending',
      replays: 0,
      returns: 0,
    };
    // Stored in the group's write queue, so no recount falls between storing and counting it.
    await this.change(groupId, async (g) => {
      if (!(await this.entries.insert(entry))) return undefined; // stored before: a redelivery
      recoveryMetrics.stored(d.stream, d.consumer);
      const group = g ?? {
        _id: groupId,
        stream: d.stream,
        consumer: d.consumer,
        fingerprint,
        pattern,
        example: d.error.slice(0, 1_000),
        failure: d.failure,
        count: 0,
        counts: emptyCounts(),
        firstSeen: entry.failedAt,
        lastSeen: entry.failedAt,
        replay: { status: 'idle' as const },
        updatedAt: new Date(),
      };
      group.count++;
      group.counts.pending++;
      if (entry.failedAt < new Date(group.firstSeen)) group.firstSeen = entry.failedAt;
      if (entry.failedAt > new Date(group.lastSeen)) group.lastSeen = entry.failedAt;
      // The failed attempt's trace: an entry stored from a replay keeps the original's.
      const traceId = traceIdOf(d.headers[ORIGINAL_TRACEPARENT]?.[0] ?? d.headers.traceparent?.[0]);
      if (traceId)
        group.traces = [traceId, ...(group.traces ?? []).filter((t) => t !== traceId)].slice(
          0,
          DLQ_GROUP_TRACES,
        );
      return group;
    });
  }

  /**
   * Recounts a group's entries by state (after replays moved many of them). The counting runs in
   * the group's write queue: run beside it, a recount begun before an entry moved could finish
   * after the recount that follows the move and write the older counts over it.
   */
  async recount(groupId: string): Promise<void> {
    await this.change(groupId, async (g) => {
      if (!g) return g;
      const counts = emptyCounts();
      for (const state of DEAD_LETTER_STATES)
        counts[state] = await this.entries.count({ groupId, state });
      return { ...g, counts, count: Object.values(counts).reduce((a, b) => a + b, 0) };
    });
  }

  async setReplay(groupId: string, replay: DlqGroup['replay']): Promise<void> {
    const current = this.groups.get(groupId)?.replay;
    if (current?.status === replay.status && current.taskId === replay.taskId) return;
    await this.change(groupId, (g) => (g ? { ...g, replay } : g));
  }

  /** A replayed entry that failed again; false when no such entry is known (stored as new). */
  private async returned(entryId: string, returnId: string, error: string): Promise<boolean> {
    // Thrown, the DLQ message comes back in a second, after its replay's checkpoint.
    if (this.unsettled.has(entryId))
      throw new Error(`the replay of ${entryId} is not checkpointed yet; its return waits`);
    let parked = false;
    const entry = await this.entries.changeOne(entryId, (e) => {
      if (e.lastReturn === returnId) return undefined; // the same return, delivered again
      parked = e.returns + 1 >= this.config.replay.maxReplays;
      return {
        set: {
          state: parked ? 'parked' : 'pending',
          lastError: error.slice(0, 4_000),
          lastReturn: returnId,
        },
        inc: { returns: 1 },
      };
    });
    if (!entry) return false;
    // A redelivery of a return already counted: the entry is as it should be, but what came
    // after its change (the recount, the alert) may not have happened, so it happens again.
    const counted = entry.lastReturn === returnId;
    if (counted) parked = entry.state === 'parked';
    else
      this.logger.warn(
        `replay of ${entryId} failed again (${entry.returns + 1} of ${this.config.replay.maxReplays})${parked ? ': parked' : ''}`,
      );
    if (parked) {
      // Thrown, the DLQ message comes back once this leader's alerts are loaded.
      if (!this.alerts.ready) throw new Error(`the dlq.parked alert for ${entryId} waits`);
      // Raised before the recount: the page must not wait on the group's counting queries.
      this.fireParked(entry, entryId, error);
    }
    await this.recount(entry.groupId);
    if (parked) this.fireParked(entry, entryId, error); // the same alert, now with the count
    return true;
  }

  /** Raises (or, raised, updates) the group's dlq.parked alert; its message counts what is parked. */
  private fireParked(entry: DeadLetterEntry, entryId: string, error: string): void {
    const parked = this.groups.get(entry.groupId)?.counts.parked || 1;
    this.alerts.fire({
      kind: 'dlq.parked',
      target: entry.groupId,
      severity: 'warning',
      message: `${parked} message(s) of ${entry.stream}/${entry.consumer} failed again after ${this.config.replay.maxReplays} replays and are parked for an operator`,
      reasons: [entry.pattern.slice(0, 200)],
      evidence: { groupId: entry.groupId, entry: entryId, lastError: error.slice(0, 500) },
    });
  }

  /** Changes a group, one change at a time per group, and writes it whole. */
  private change(
    groupId: string,
    apply: (g: DlqGroup | undefined) => DlqGroup | undefined | Promise<DlqGroup | undefined>,
  ) {
    const next = (this.writes.get(groupId) ?? Promise.resolve()).then(async () => {
      const changed = await apply(structuredClone(this.groups.get(groupId)));
      if (!changed) return;
      changed.updatedAt = new Date();
      this.groups.set(groupId, changed);
      await this.groupStore.save(changed);
    });
    const settled = next.catch(() => undefined);
    this.writes.set(groupId, settled);
    void settled.then(() => {
      if (this.writes.get(groupId) === settled) this.writes.delete(groupId);
    });
    return next;
  }
}
