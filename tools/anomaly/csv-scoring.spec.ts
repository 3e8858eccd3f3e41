import type { AnomalyDetector } from '@keelson/detection';
import {
  CsvScorer,
  formatScore,
  MalformedRowError,
  parseTimestamp,
  parseValue,
} from './csv-scoring';

/** Records what it is fed and scores each point by its position, so rows can be traced. */
class RecordingDetector implements AnomalyDetector {
  readonly seen: Array<[number, number]> = [];
  update(timestampMs: number, value: number): number {
    this.seen.push([timestampMs, value]);
    return this.seen.length / 10;
  }
}

describe('parseTimestamp', () => {
  it.each([
    ['2014-04-01 00:05:00', Date.UTC(2014, 3, 1, 0, 5)],
    ['2014-04-01T00:05:00Z', Date.UTC(2014, 3, 1, 0, 5)],
    ['2014-04-01T00:05:00', Date.UTC(2014, 3, 1, 0, 5)],
    ['2014-04-01T02:05:00+02:00', Date.UTC(2014, 3, 1, 0, 5)],
    ['2014-04-01T00:05:00.250Z', Date.UTC(2014, 3, 1, 0, 5) + 250],
    ['2014-04-01', Date.UTC(2014, 3, 1)],
    ['1396310700', Date.UTC(2014, 3, 1, 0, 5)],
    ['1396310700000', Date.UTC(2014, 3, 1, 0, 5)],
    ['1396310700.5', Date.UTC(2014, 3, 1, 0, 5) + 500],
    [' 2014-04-01 00:05:00 ', Date.UTC(2014, 3, 1, 0, 5)],
  ])('reads %j', (text, ms) => {
    expect(parseTimestamp(text)).toBe(ms);
  });

  it.each([
    '',
    'yesterday',
    '2014-13-01 00:00:00',
    '2014-04-01 25:00:00',
    '01/04/2014',
    'timestamp',
  ])('rejects %j', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('parseValue', () => {
  it('reads numbers, takes empty and NaN for missing, rejects the rest', () => {
    expect(parseValue(' 21.5 ')).toBe(21.5);
    expect(parseValue('-1e3')).toBe(-1000);
    expect(parseValue('')).toBeNaN();
    expect(parseValue('NaN')).toBeNaN();
    for (const bad of ['abc', '1,5', '0x10', 'Infinity', '1e999', '12ms'])
      expect(parseValue(bad)).toBeNull();
  });
});

describe('formatScore', () => {
  it('writes up to six decimals without trailing zeros', () => {
    expect([0, 1, 0.5, 0.1234567, 1 / 3].map(formatScore)).toEqual([
      '0',
      '1',
      '0.5',
      '0.123457',
      '0.333333',
    ]);
  });
});

describe('CsvScorer', () => {
  it('skips the header and blank lines, scores each row in order, writes timestamp and value back as read', () => {
    const detector = new RecordingDetector();
    const scorer = new CsvScorer(detector);
    const lines = [
      'timestamp,value',
      '2014-04-01 00:00:00,20.50',
      '',
      '"2014-04-01 00:05:00",21\r',
      '1396310700, 7 ',
      '2014-04-01T00:15:00Z,',
    ];
    const out = lines.map((line, k) => scorer.push(line, k + 1));
    expect(out).toEqual([
      null,
      '2014-04-01 00:00:00,20.50,0.1',
      null,
      '"2014-04-01 00:05:00",21,0.2',
      '1396310700, 7 ,0.3',
      '2014-04-01T00:15:00Z,,0.4',
    ]);
    expect(scorer.header).toBe('timestamp,value,anomaly_score');
    expect(detector.seen.map(([, v]) => v)).toEqual([20.5, 21, 7, NaN]);
    expect(detector.seen[1][0]).toBe(Date.UTC(2014, 3, 1, 0, 5));
    expect(scorer.rowCount).toBe(4);
  });

  it('takes a file without a header as all data', () => {
    const scorer = new CsvScorer(new RecordingDetector());
    expect(scorer.push('1396310400,1', 1)).toBe('1396310400,1,0.1');
  });

  it.each([
    ['2014-04-01 00:00:00,abc', 'line 3: "abc" is not a number'],
    ['soon,1', 'line 3: "soon" is not a timestamp'],
    ['2014-04-01 00:00:00,1,2', 'line 3: expected 2 cells (timestamp,value), found 3'],
    ['"2014-04-01 00:00:00,1', 'line 3: a quoted cell is never closed'],
    ['timestamp,value', 'line 3: "timestamp" is not a timestamp'],
  ])('rejects %j naming the line', (line, message) => {
    const scorer = new CsvScorer(new RecordingDetector());
    scorer.push('timestamp,value', 1);
    scorer.push('2014-04-01 00:00:00,1', 2);
    let error: unknown;
    try {
      scorer.push(line, 3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedRowError);
    expect((error as MalformedRowError).lineNumber).toBe(3);
    expect((error as Error).message).toMatch(new RegExp(`^${message.replace(/[()]/g, '\\$&')}`));
  });
});
