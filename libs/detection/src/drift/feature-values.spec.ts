import { INVALID, MISSING, readCategory, readNumber } from './feature-values';

describe('readNumber', () => {
  it('reads finite numbers, decimal text and big integers', () => {
    expect(readNumber(3.5)).toBe(3.5);
    expect(readNumber(' -1.5e3 ')).toBe(-1500);
    expect(readNumber('.5')).toBe(0.5);
    expect(readNumber('9007199254740993')).toBe(9007199254740992);
    expect(readNumber(BigInt(12))).toBe(12);
  });

  it('calls null, undefined, non-finite numbers and blanks missing', () => {
    for (const value of [null, undefined, NaN, Infinity, -Infinity, '', '  ', '1e999']) {
      expect(readNumber(value)).toBe(MISSING);
    }
  });

  it('calls words, booleans, hexadecimal and objects invalid', () => {
    for (const value of ['abc', '0x10', 'Infinity', true, {}, [1]]) {
      expect(readNumber(value)).toBe(INVALID);
    }
  });
});

describe('readCategory', () => {
  it('names strings, booleans and numbers', () => {
    expect(readCategory('north')).toBe('north');
    expect(readCategory(true)).toBe('true');
    expect(readCategory(false)).toBe('false');
    expect(readCategory(3)).toBe('3');
    expect(readCategory('__proto__')).toBe('__proto__');
  });

  it('calls null, undefined, NaN and blanks missing, objects invalid', () => {
    for (const value of [null, undefined, NaN, '', ' ']) expect(readCategory(value)).toBe(MISSING);
    for (const value of [{}, ['a']]) expect(readCategory(value)).toBe(INVALID);
  });
});
