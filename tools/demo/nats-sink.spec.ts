import { EventValidationError } from '@keelson/messaging';
import { explainNatsError, isTransientNatsError } from './nats-sink';

const named = (name: string, message = name) => Object.assign(new Error(message), { name });

describe('NATS publish errors', () => {
  it('retries only a lost or slow PubAck', () => {
    expect(isTransientNatsError(named('TimeoutError'))).toBe(true);
    expect(isTransientNatsError(named('RequestError'))).toBe(true);
    expect(isTransientNatsError(named('ConnectionError'))).toBe(true);
    expect(isTransientNatsError(named('JetStreamNotEnabled'))).toBe(false);
    expect(isTransientNatsError(named('Error', "'payload' max_payload size exceeded"))).toBe(false);
    expect(isTransientNatsError('boom')).toBe(false);
  });

  it('says what to do about the common fatal ones', () => {
    expect(explainNatsError(named('JetStreamNotEnabled'), 'credit')).toMatch(
      /no JetStream stream stores ingest\.credit; is ingestion running/,
    );
    expect(explainNatsError(new Error("'payload' max_payload size exceeded"), 'credit')).toMatch(
      /try a smaller --batch$/,
    );
    expect(explainNatsError(new EventValidationError('keelson.ingest.records', []), 'c')).toMatch(
      /^a batch does not fit the ingest event/,
    );
  });
});
