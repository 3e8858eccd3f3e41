import type { ObjectStore } from '@nats-io/obj';
import type { EventPublisher } from '@keelson/messaging';
import type { DeadLetterEntry, DeadLetterRepository, ReplayTask } from '@keelson/persistence';
import { ORIGINAL_TRACEPARENT, REPLAY_OF, REPLAY_TASK } from './dlq-store.service';

/**
 * Entries published between checkpoints: up to 2,000 or 16 MB of payloads unthrottled, and about
 * 5 s of sending when the task has a rate, so a throttled replay still checkpoints often. A
 * checkpoint's cost is per entry (its look-ups are by `_id`, indexed on every backend, FerretDB
 * patched included), and it is written while the next entries are sent: small ones start that
 * work early and leave little of it after the last send (10,000 left 3.4 s of it at the end).
 */
const MAX_CHECKPOINT = 2_000;
const MAX_CHECKPOINT_BYTES = 16 * 1024 * 1024;
const CHECKPOINT_EVERY_S = 5;
export const checkpointSize = (rate: number) =>
  rate > 0
    ? Math.max(1, Math.min(MAX_CHECKPOINT, Math.round(rate * CHECKPOINT_EVERY_S)))
    : MAX_CHECKPOINT;
/**
 * Entries fetched per round trip of the selection's query: a few seconds of sending at most, so a
 * slow replay asks again well inside the database's idle-cursor timeout (10 minutes).
 */
const readAhead = (size: number) => Math.max(10, Math.min(1_000, size));
/** Replays waiting for their PubAck at once when the rate allows. */
const IN_FLIGHT = 128;

export interface ReplayRunnerDeps {
  entries: DeadLetterRepository;
  publisher: EventPublisher;
  payloads: ObjectStore;
  /** Saves the task after each checkpoint. */
  save(task: ReplayTask): Promise<void>;
  /**
   * Settles once the task is stored (a task just created may start sending before): no entry is
   * marked replayed by a task that is not stored, so a crash in between leaves them pending.
   */
  stored?: Promise<void>;
  cancelled(): boolean;
  /**
   * Ids of entries sent but not checkpointed yet: a replay of one of them that comes back
   * dead-lettered must wait for the checkpoint, or the checkpoint would overwrite its return.
   */
  unsettled: Set<string>;
}

/**
 * The message id a replay is published under: new (it is a new message), but the same on a
 * re-send of the same replay after a crash, so JetStream keeps one.
 */
export const replayMessageId = (entry: DeadLetterEntry) =>
  `replay.${entry._id}.${entry.replays + 1}`;

/** The original message, as it was: its payload bytes (copied, or in the object store). */
async function payloadOf(entry: DeadLetterEntry, payloads: ObjectStore): Promise<Uint8Array> {
  if (entry.payloadObject) {
    const bytes = await payloads.getBlob(entry.payloadObject);
    if (!bytes) throw new Error(`payload ${entry.payloadObject} of ${entry._id} is missing`);
    return bytes;
  }
  return Buffer.from(entry.payloadBase64, 'base64');
}

/** The original headers, but for the message id and trace, plus where the replay comes from. */
function replayHeaders(entry: DeadLetterEntry, taskId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, values] of Object.entries(entry.headers)) {
    const lower = key.toLowerCase();
    if (lower === 'nats-msg-id' || lower === 'traceparent' || lower === 'tracestate') continue;
    if (lower.startsWith('nats-')) continue; // the server's own, e.g. Nats-Expected-*
    if (values[0] !== undefined) headers[key] = values[0];
  }
  const traceparent = entry.headers.traceparent?.[0];
  if (traceparent) headers[ORIGINAL_TRACEPARENT] = traceparent;
  headers[REPLAY_OF] = entry._id;
  headers[REPLAY_TASK] = taskId;
  return headers;
}

function eventTypeOf(payload: Uint8Array): string {
  try {
    const type = (JSON.parse(new TextDecoder().decode(payload)) as { type?: unknown }).type;
    return typeof type === 'string' ? type : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs one replay task from its cursor: the selection's entries in id order (read by one query),
 * each published to its original subject (original event id, new message id, its original
 * headers, a link to its original trace), at the task's rate, and checkpointed every
 * `checkpointSize` entries: the entries are marked replayed and the cursor moves past them, with
 * the highest stream sequence the replays got per consumer, which is how their outcome is known
 * later. A checkpoint is written while the next entries are sent (one at a time, in order). A
 * crash before a checkpoint re-sends its entries under the same message ids: replayed once, or
 * still pending.
 */
export async function runReplayTask(task: ReplayTask, deps: ReplayRunnerDeps): Promise<void> {
  const gap = task.rate > 0 ? 1_000 / task.rate : 0;
  const size = checkpointSize(task.rate);
  let nextAt = performance.now();
  let batch: DeadLetterEntry[] = [];
  let bytes = 0;
  let seqs: Record<string, number> = {};
  const inFlight = new Set<Promise<void>>();
  let writing: Promise<void> = Promise.resolve();
  let writeFailed: Error | undefined;

  const checkpoint = async () => {
    await Promise.all(inFlight); // a failed publish fails the task before its checkpoint
    if (batch.length === 0) return;
    const entries = batch;
    const stretchSeqs = seqs;
    batch = [];
    bytes = 0;
    seqs = {};
    const previous = writing;
    writing = (async () => {
      await previous;
      try {
        await write(entries, stretchSeqs);
      } finally {
        for (const entry of entries) deps.unsettled.delete(entry._id);
      }
    })();
    writing.catch((error: Error) => (writeFailed ??= error));
  };
  const write = async (entries: DeadLetterEntry[], stretchSeqs: Record<string, number>) => {
    await deps.stored;
    await deps.entries.rewrite(entries, {
      set: { lastReplay: { taskId: task._id, at: new Date() }, state: 'replayed' },
      inc: { replays: 1 },
    });
    const upTo = entries[entries.length - 1]._id;
    task.awaiting = [
      ...(task.awaiting ?? []),
      { ...(task.cursor && { after: task.cursor }), upTo, at: new Date(), seqs: stretchSeqs },
    ];
    task.cursor = upTo;
    task.replayed += entries.length;
    await deps.save(task);
  };

  try {
    const selection = deps.entries.stream(
      { ...task.selection, ...(task.cursor && { after: task.cursor }) },
      readAhead(size),
    );
    for await (const entry of selection) {
      if (deps.cancelled() || writeFailed) break;
      if (gap > 0) {
        const wait = nextAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        nextAt = Math.max(nextAt + gap, performance.now() - gap);
      }
      deps.unsettled.add(entry._id);
      const send = (async () => {
        const payload = await payloadOf(entry, deps.payloads);
        const ack = await deps.publisher.publishRaw(
          entry.originalSubject,
          payload,
          replayMessageId(entry),
          eventTypeOf(payload),
          { headers: replayHeaders(entry, task._id) },
        );
        const key = `${entry.stream}/${entry.consumer}`;
        seqs[key] = Math.max(seqs[key] ?? 0, ack.seq);
      })();
      const tracked = send.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      batch.push(entry);
      bytes += entry.payloadBase64.length;
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
      if (batch.length >= size || bytes >= MAX_CHECKPOINT_BYTES) await checkpoint();
    }
    await checkpoint(); // what was sent, also when cancelled
    await writing;
    await deps.stored; // nothing to checkpoint: the task still ends after it was stored
  } finally {
    await Promise.allSettled([...inFlight, writing]);
    for (const entry of batch) deps.unsettled.delete(entry._id);
  }
  if (writeFailed) throw writeFailed;
}
