import { decodeJson, encodeJson } from './codec';
import { patternCovers, uncoveredSubjects } from './handlers';

describe('handler coverage', () => {
  it.each([
    ['records.validated.*', 'records.validated.*', true],
    ['records.>', 'records.validated.*', true],
    ['records.validated.*', 'records.validated.credit', true],
    ['records.validated.credit', 'records.validated.*', false],
    ['records.validated.*', 'records.>', false],
    ['records.*', 'records.validated.*', false],
    ['>', 'anything.at.all', true],
  ])('%s covers %s: %s', (pattern, filter, expected) => {
    expect(patternCovers(pattern, filter)).toBe(expected);
  });

  it('lists the filter subjects no handler serves', () => {
    expect(
      uncoveredSubjects(
        ['records.validated.>', 'records.rejected.>'],
        [{ subject: 'records.validated.>' }],
      ),
    ).toEqual(['records.rejected.>']);
    expect(uncoveredSubjects(['training.requested'], [{ subject: 'training.*' }])).toEqual([]);
  });
});

describe('codec', () => {
  it('round-trips JSON and reports non-JSON payloads instead of throwing', () => {
    expect(decodeJson(encodeJson({ a: [1, 'b'] }))).toEqual({ ok: true, value: { a: [1, 'b'] } });
    const bad = decodeJson(new TextEncoder().encode('{"a":'));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/^payload is not JSON/);
  });
});
