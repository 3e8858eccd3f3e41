import { DEFAULT_PSI_EPSILON, psi } from './psi';

describe('psi', () => {
  it('is 0 for identical distributions, whether given as shares or counts', () => {
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
    expect(psi([2, 3, 5], [20, 30, 50])).toBe(0);
    // Same empty bin on both sides: dropped, so still exactly 0.
    expect(psi([1, 0, 1], [3, 0, 3])).toBe(0);
  });

  it('matches a hand-computed two-bin shift', () => {
    // (0.6 − 0.5)·ln(0.6/0.5) + (0.4 − 0.5)·ln(0.4/0.5)
    //   = 0.1 · 0.1823215568 + (−0.1) · (−0.2231435513) = 0.0182321557 + 0.0223143551
    //   = 0.0405465108
    expect(psi([0.5, 0.5], [0.6, 0.4])).toBeCloseTo(0.040546510810816, 12);
    expect(psi([50, 50], [600, 400])).toBeCloseTo(0.040546510810816, 12);
  });

  it('matches a hand-computed four-bin shift', () => {
    // uniform quarters against 0.1, 0.2, 0.3, 0.4:
    //   (−0.15)·ln(0.4) = 0.1374436098
    //   (−0.05)·ln(0.8) = 0.0111571776
    //   (+0.05)·ln(1.2) = 0.0091160778
    //   (+0.15)·ln(1.6) = 0.0705005444
    //   sum             = 0.2282174096
    expect(psi([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4])).toBeCloseTo(0.228217409573392, 12);
  });

  it('is symmetric in expected and actual when no bin is empty', () => {
    const a = [0.1, 0.2, 0.3, 0.4];
    const b = [0.25, 0.25, 0.25, 0.25];
    expect(psi(a, b)).toBeCloseTo(psi(b, a), 15);
  });

  it('replaces a one-sided empty bin by epsilon and renormalises that side', () => {
    // expected [0.5, 0.5, 0] becomes [0.5, 0.5, 1e-4] / 1.0001; actual [0.5, 0.4, 0.1] stays:
    //   (0.5 − 0.49995)·ln(0.5/0.49995)            = 0.000000005
    //   (0.4 − 0.49995)·ln(0.4/0.49995)            = 0.0222932046
    //   (0.1 − 0.00009999)·ln(0.1/0.00009999)       = 0.6900948109
    //   sum                                         = 0.7123880205
    expect(DEFAULT_PSI_EPSILON).toBe(1e-4);
    expect(psi([0.5, 0.5, 0], [0.5, 0.4, 0.1])).toBeCloseTo(0.712388020510423, 12);
  });

  it('ignores a bin empty on both sides', () => {
    expect(psi([0.5, 0.5, 0], [0.6, 0.4, 0])).toBe(psi([0.5, 0.5], [0.6, 0.4]));
  });

  it('grows with epsilon shrinking when a bin appears from nothing', () => {
    const coarse = psi([1, 1, 0], [1, 1, 1], { epsilon: 1e-2 });
    const fine = psi([1, 1, 0], [1, 1, 1], { epsilon: 1e-6 });
    expect(fine).toBeGreaterThan(coarse);
    expect(Number.isFinite(fine)).toBe(true);
  });

  it('rejects inputs it cannot compare', () => {
    expect(() => psi([1, 1], [1, 1, 1])).toThrow(/same bins/);
    expect(() => psi([0, 0], [1, 1])).toThrow(/expected is empty/);
    expect(() => psi([1, 1], [-1, 2])).toThrow(/non-negative/);
    expect(() => psi([1, 1], [NaN, 2])).toThrow(/non-negative/);
    expect(() => psi([1, 1], [1, 1], { epsilon: 0 })).toThrow(/epsilon/);
  });
});
