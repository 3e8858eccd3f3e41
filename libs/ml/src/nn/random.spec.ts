import { createRandom, shuffleInPlace } from './random';

describe('createRandom', () => {
  it('repeats its stream for a seed and differs for another', () => {
    const draw = (seed: number) => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.uniform());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
    expect(draw(42).every((u) => u >= 0 && u < 1)).toBe(true);
  });

  it('draws standard normals', () => {
    const random = createRandom(5);
    const xs = Array.from({ length: 20_000 }, () => random.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation', () => {
    const values = Int32Array.from({ length: 100 }, (_, i) => i);
    shuffleInPlace(values, createRandom(1));
    expect(Array.from(values)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(values).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });
});
