import { createEvent, AnyEnvelope } from './envelope';
import { RecordsValidated } from './events/records/records-validated.event';
import { compileValidator, formatIssues } from './validation';

const validRecord = {
  dataset: 'credit',
  schemaVersion: 1,
  records: [
    {
      recordId: 'r-1',
      values: { age: 41, employment: 'salaried', income: null },
      receivedAt: '2026-11-24T07:00:00.000Z',
    },
  ],
};

describe('CloudEvents envelope', () => {
  it('creates an envelope that validates against its event definition', () => {
    const event = createEvent({
      type: RecordsValidated.type,
      source: 'ingestion/node-1',
      subject: 'credit',
      data: validRecord,
    });
    expect(event.specversion).toBe('1.0');
    expect(event.datacontenttype).toBe('application/json');
    expect(RecordsValidated.validate(event)).toEqual({ ok: true, value: event });
  });

  it('rejects a wrong data field with its path and reason', () => {
    const event = createEvent({
      type: RecordsValidated.type,
      source: 'test',
      data: { ...validRecord, schemaVersion: 'one' },
    });
    const result = RecordsValidated.validate(event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => i.path)).toContain('/data/schemaVersion');
    expect(formatIssues(result.issues)).toMatch(/\/data\/schemaVersion: Expected integer/);
  });

  it('rejects an envelope of another type, a bad id and unknown top-level fields', () => {
    const event = {
      ...createEvent({ type: 'keelson.other', source: 'test', data: validRecord }),
      id: 'x',
      extra: 1,
    };
    const result = RecordsValidated.validate(event);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['/type', '/id']));
  });

  it('accepts ULID ids from producers', () => {
    const event = {
      ...createEvent({ type: 't', source: 's', data: 1 }),
      id: '01JDQ5X4Z9K3M2N1P0QRSTVWXY',
    };
    expect(compileValidator(AnyEnvelope)(event).ok).toBe(true);
  });

  it('keeps the given id so a re-publish of the same fact is a duplicate', () => {
    const first = createEvent({ type: 't', source: 's', data: {} });
    const again = createEvent({ type: 't', source: 's', data: {}, id: first.id });
    expect(again.id).toBe(first.id);
  });
});
