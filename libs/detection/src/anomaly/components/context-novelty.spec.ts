import { createSeededRandom } from '../suite/seeded-random';
import { stateSize } from '../test-support';
import { ContextNovelty } from './context-novelty';

describe('ContextNovelty', () => {
  const random = createSeededRandom(31);

  it('finds no structure in white noise, nor in merely autocorrelated noise', () => {
    const white = new ContextNovelty();
    for (let i = 0; i < 10_000; i++) white.update(random.normal());
    expect(Math.abs(white.informationGain)).toBeLessThan(0.05);

    // AR(1) with phi = 0.7: a context predicts the next residual, but only as correlation does.
    const wandering = new ContextNovelty();
    let z = 0;
    for (let i = 0; i < 10_000; i++)
      wandering.update((z = 0.7 * z + Math.sqrt(1 - 0.49) * random.normal()));
    expect(wandering.informationGain).toBeLessThan(0.1);
  });

  it('learns a rhythm and calls a broken beat novel', () => {
    const rhythm = new ContextNovelty();
    const beat = (i: number) => (i % 3 === 0 ? 1.6 : -0.8) + 0.1 * random.normal();
    const usual: number[] = [];
    for (let i = 0; i < 3000; i++) usual.push(rhythm.update(beat(i)));
    expect(rhythm.informationGain).toBeGreaterThan(0.5);
    // At i = 3000 a beat is due; a trickle comes instead: more novel than any ordinary point.
    const broken = rhythm.update(-0.8);
    expect(broken).toBeGreaterThan(3);
    expect(broken).toBeGreaterThan(Math.max(...usual.slice(1000)));
  });

  it('holds a fixed table', () => {
    const model = new ContextNovelty();
    for (let i = 0; i < 1000; i++) model.update(random.normal() * 3);
    const size = stateSize(model);
    for (let i = 0; i < 50_000; i++) model.update(random.normal() * 3);
    expect(stateSize(model)).toBe(size);
  });
});
