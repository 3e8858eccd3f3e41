import { isSubjectToken, subjectFor, subjectMatches } from './subjects';

describe('subjects', () => {
  it.each([
    ['records.validated.*', 'records.validated.credit', true],
    ['records.validated.*', 'records.validated.credit.x', false],
    ['records.validated.*', 'records.validated', false],
    ['records.>', 'records.rejected.credit', true],
    ['records.>', 'records', false],
    ['training.requested', 'training.requested', true],
    ['training.requested', 'training.progress', false],
  ])('%s matches %s: %s', (pattern, subject, expected) => {
    expect(subjectMatches(pattern, subject)).toBe(expected);
  });

  it('fills wildcards with checked tokens', () => {
    expect(subjectFor('features.*', 'credit')).toBe('features.credit');
    expect(() => subjectFor('features.*', 'a.b')).toThrow(/invalid subject token/);
    expect(() => subjectFor('features.*', 'a', 'b')).toThrow(/takes 1 tokens/);
    expect(isSubjectToken('credit_v2-eu')).toBe(true);
    expect(isSubjectToken('credit>')).toBe(false);
  });
});
