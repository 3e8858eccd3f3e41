import { halfToNumber, numberToHalf } from './fp16';

describe('FP16 conversions', () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.1, 0x2e66],
    [65504, 0x7bff],
    [65519, 0x7bff], // below the midpoint to 65536: stays finite
    [65520, 0x7c00], // the midpoint rounds to even, which is Infinity
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // a tie between 0 and the smallest subnormal: to even, 0
    [3 * 2 ** -25, 0x0002], // a tie between 1 and 2 subnormal steps: to even, 2
    [1023.5 * 2 ** -24, 0x0400], // a subnormal that rounds up into the normals
    [1 + 2 ** -11, 0x3c00], // a tie at 1: to even
    [1 + 3 * 2 ** -11, 0x3c02],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [NaN, 0x7e00],
  ])('rounds %p to the bits %i', (value, bits) => {
    expect(numberToHalf(value)).toBe(bits);
  });

  it('reads back every one of the 65,536 bit patterns exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = halfToNumber(bits);
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x03ff) !== 0;
      expect(numberToHalf(value)).toBe(isNaN ? 0x7e00 : bits);
    }
  });
});
