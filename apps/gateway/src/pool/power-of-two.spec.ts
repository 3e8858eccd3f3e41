import { pickPowerOfTwo } from './power-of-two';

const node = (name: string, outstanding: number, weight = 1) => ({ name, outstanding, weight });

/** A deterministic sequence of "random" numbers. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length];
};

describe('pickPowerOfTwo', () => {
  it('returns nothing for no candidates and the only one for one', () => {
    expect(pickPowerOfTwo([])).toBeUndefined();
    expect(pickPowerOfTwo([node('a', 9)])?.name).toBe('a');
  });

  it('takes the less loaded of the two it draws', () => {
    const nodes = [node('a', 5), node('b', 1), node('c', 0)];
    // Draws a (0.1 of 3) then, without a, b (0.1 of 2): b has fewer outstanding.
    expect(pickPowerOfTwo(nodes, sequence(0.1, 0.1))?.name).toBe('b');
  });

  it('never draws the same node twice', () => {
    const nodes = [node('a', 5), node('b', 7)];
    for (const r of [0, 0.3, 0.7, 0.999]) expect(pickPowerOfTwo(nodes, () => r)?.name).toBe('a');
  });

  it('spreads equal load evenly and avoids a loaded node', () => {
    const counts = new Map<string, number>();
    const nodes = [node('a', 0), node('b', 0), node('c', 50)];
    for (let i = 0; i < 3_000; i++) {
      const picked = pickPowerOfTwo(nodes)!.name;
      counts.set(picked, (counts.get(picked) ?? 0) + 1);
    }
    expect(counts.get('c') ?? 0).toBe(0); // c loses every draw it is in
    expect(counts.get('a')!).toBeGreaterThan(1_200);
    expect(counts.get('b')!).toBeGreaterThan(1_200);
  });

  it('draws in proportion to weight', () => {
    const nodes = [node('heavy', 0, 9), node('light', 0, 1), node('other', 0, 1)];
    let heavy = 0;
    for (let i = 0; i < 2_000; i++) if (pickPowerOfTwo(nodes)!.name === 'heavy') heavy++;
    // heavy is in nearly every draw and wins ties as the first drawn half of the time or more.
    expect(heavy).toBeGreaterThan(1_000);
  });
});
