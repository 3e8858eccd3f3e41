/**
 * IEEE 754 half precision, as FP16 tensors hold it (raw 16-bit patterns in a Uint16Array). Node 20
 * has no Float16Array or Math.f16round, so the conversions are done by hand, rounding to nearest
 * even straight from the double (going through float32 first would round twice).
 */

const roundHalfEven = (x: number): number => {
  const floor = Math.floor(x);
  const rest = x - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
};

/** The half nearest a number, as its bit pattern (overflow gives ±Infinity, as a cast does). */
export function numberToHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Infinity) return sign | 0x7c00;
  let exponent = Math.floor(Math.log2(magnitude));
  // log2 can be off by one next to powers of two; settle the exponent exactly.
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  if (exponent < -14) {
    // Subnormal (a multiple of 2^-24); rounding up to 1024 lands on the smallest normal, which the
    // same bits encode.
    return sign | roundHalfEven(magnitude * 2 ** 24);
  }
  let mantissa = roundHalfEven((magnitude / 2 ** exponent) * 1024) - 1024;
  if (mantissa === 1024) {
    mantissa = 0;
    exponent++;
  }
  if (exponent > 15) return sign | 0x7c00;
  return sign | ((exponent + 15) << 10) | mantissa;
}

/** The exact value of a half's bit pattern. */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}
