import { CONSUMERS, KV_BUCKETS, STREAMS, consumerSpec } from './catalogue';
import { EVENTS } from './events/registry';
import { subjectMatches } from './subjects';

// A concrete subject for a pattern, to ask "which stream would store this?".
const sample = (pattern: string) => pattern.replace(/\*/g, 'x').replace(/>/g, 'x.y');
const streamsStoring = (subject: string) =>
  STREAMS.filter((s) => s.subjects.some((p) => subjectMatches(p, subject))).map((s) => s.name);

describe('catalogue', () => {
  it('stores every event in exactly the stream its definition names', () => {
    for (const event of EVENTS) {
      expect({ type: event.type, streams: streamsStoring(sample(event.subject)) }).toEqual({
        type: event.type,
        streams: [event.stream],
      });
    }
  });

  it('gives every consumer an existing stream and filters that stream stores', () => {
    for (const c of CONSUMERS) {
      const stream = STREAMS.find((s) => s.name === c.stream);
      expect(stream).toBeDefined();
      for (const f of c.filterSubjects) expect(streamsStoring(sample(f))).toEqual([c.stream]);
      // At least one redelivery, or -1: unlimited, for consumers whose handling is idempotent.
      expect(c.maxDeliver === -1 || c.maxDeliver >= 2).toBe(true);
      expect(c.retryBackoffMs.length).toBeGreaterThan(0);
    }
  });

  it('has unique names', () => {
    const unique = (xs: string[]) => new Set(xs).size === xs.length;
    expect(unique(STREAMS.map((s) => s.name))).toBe(true);
    expect(unique(CONSUMERS.map((c) => c.durable))).toBe(true);
    expect(unique(KV_BUCKETS.map((b) => b.bucket))).toBe(true);
  });

  it('names an unknown consumer in its error', () => {
    expect(consumerSpec('ingestion').stream).toBe('INGEST');
    expect(() => consumerSpec('nope')).toThrow(/no consumer named nope/);
  });
});
