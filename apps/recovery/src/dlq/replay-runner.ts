import type { ObjectStore } from '@nats-io/obj';
import type { EventPublisher } from '@keelson/messaging';
import type { DeadLetterEntry, DeadLetterRepository, ReplayTask } from '@keelson/persistence';
import { ORIGINAL_TRACEPARENT, REPLAY_OF, REPLAY_TASK } from './dlq-store.service';

/**
 * Entries read, published and checkpointed together: up to 2,000 (each batch costs the database
 * a couple of collection scans on FerretDB, whatever its size), and about 5 s of sending when the
 * task has a rate, so a throttled replay still checkpoints often.
 */
const MAX_BATCH = 2_000;
const CHECKPOINT_EVERY_S = 5;
export const batchSize = (rate: number) =>
  rate > 0 ? Math.max(1, Math.min(MAX_BATCH, Math.round(rate * CHECKPOINT_EVERY_S))) : MAX_BATCH;
/** Replays waiting for their PubAck at once when the rate allows. */
const IN_FLIGHT = 128;

export interface ReplayRunnerDeps {
  entries: DeadLetterRepository;
  publisher: EventPublisher;
  payloads: ObjectStore;
  /** Saves the task after each checkpoint. */
  save(task: ReplayTask): Promise<void>;
  cancelled(): boolean;
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
 * Runs one replay task from its cursor: the selection's entries in id order, each published to
 * its original subject (original event id, new message id, its original headers, a link to its
 * original trace), at the task's rate, then checkpointed: the entries are marked replayed and the
 * cursor moves past them in one write, with the highest stream sequence the replays got per
 * consumer, which is how their outcome is known later. A crash between publishing and the
 * checkpoint re-sends the batch under the same message ids: replayed once, or still pending.
 */
export async function runReplayTask(task: ReplayTask, deps: ReplayRunnerDeps): Promise<void> {
  const gap = task.rate > 0 ? 1_000 / task.rate : 0;
  const size = batchSize(task.rate);
  let nextAt = performance.now();
  for (;;) {
    if (deps.cancelled()) return;
    const batch = await deps.entries.list(
      { ...task.selection, ...(task.cursor && { after: task.cursor }) },
      size,
      true,
    );
    if (batch.length === 0) return;
    const seqs: Record<string, number> = {};
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    for (const entry of batch) {
      if (deps.cancelled()) break;
      if (gap > 0) {
        const wait = nextAt - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        nextAt = Math.max(nextAt + gap, performance.now() - gap);
      }
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
      sent++;
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight); // a failed publish fails the task before its checkpoint
    if (sent === 0) return;
    const upTo = batch[sent - 1]._id;
    await deps.entries.rewrite(batch.slice(0, sent), {
      set: { lastReplay: { taskId: task._id, at: new Date() }, state: 'replayed' },
      inc: { replays: 1 },
    });
    task.awaiting = [
      ...(task.awaiting ?? []),
      { ...(task.cursor && { after: task.cursor }), upTo, at: new Date(), seqs },
    ];
    task.cursor = upTo;
    task.replayed += sent;
    await deps.save(task);
    if (sent < batch.length) return; // cancelled mid-batch
  }
}
