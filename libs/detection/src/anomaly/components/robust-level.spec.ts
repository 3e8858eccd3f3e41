import { createSeededRandom } from '../suite/seeded-random';
import { RobustLevel } from './robust-level';

describe('RobustLevel', () => {
  const random = createSeededRandom(21);

  function feed(level: RobustLevel, values: number[]) {
    for (const v of values) level.learn(v - level.level, level.scale(v));
  }

  it('estimates level and noise scale, barely moved by spikes', () => {
    const level = new RobustLevel(0.05, 0.01);
    const values = Array.from(
      { length: 3000 },
      (_, i) => 50 + 2 * random.normal() + (i % 300 === 0 ? 60 : 0),
    );
    feed(level, values);
    expect(level.level).toBeCloseTo(50, 0);
    expect(level.scale(50)).toBeGreaterThan(1.6);
    expect(level.scale(50)).toBeLessThan(2.6);
  });

  it('keeps a usable scale on a sparse count series (mostly zeros)', () => {
    // Clipping at a multiple of the scale alone would shrink it to nothing here.
    const level = new RobustLevel(0.05, 0.01);
    feed(
      level,
      Array.from({ length: 5000 }, () => random.poisson(0.1)),
    );
    expect(level.scale(0)).toBeGreaterThan(0.05);
  });

  it('jumps to a confirmed new level and relearns its noise', () => {
    const level = new RobustLevel(0.05, 0.01);
    feed(
      level,
      Array.from({ length: 1000 }, () => 10 + random.normal()),
    );
    feed(
      level,
      Array.from({ length: 40 }, () => 30 + 3 * random.normal()),
    );
    expect(level.level).toBeGreaterThan(28);
    expect(level.scale(30)).toBeGreaterThan(2);
  });

  it('floors the scale of a constant series relative to its value', () => {
    const level = new RobustLevel(0.05, 0.01);
    feed(
      level,
      Array.from({ length: 100 }, () => 1000),
    );
    expect(level.scale(1000)).toBeGreaterThan(0);
    expect(level.scale(1000)).toBeLessThan(1e-5);
  });
});
