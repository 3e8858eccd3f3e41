/**
 * How uncertain Holt's level and trend are once the filter has settled, so a forecast can carry an
 * interval that widens with the horizon.
 *
 * The model behind it is the one capacity ramps follow: a straight line plus white noise. Treat the
 * filter's errors against the true line as a state x = [level error, trend-per-step error]; one
 * update maps it to x' = A·x + B·noise, with
 *
 *   A = [[1 − α, 1 − α], [−αβ, 1 − αβ]],  B = [α, αβ]
 *
 * (α and β are the level and trend weights for one typical gap). Its steady covariance P solves the
 * discrete Lyapunov equation P = A·P·Aᵀ + B·Bᵀ, three linear equations in the three entries of P.
 * Solving them exactly instead of using the textbook ETS variance matters: the ETS formula assumes
 * a random-walk level and grows with the horizon so fast that the lower bound of a real ramp only
 * reaches the limit a few seconds before the series does (checked in simulation); this one
 * matches the spread of the filter's trend estimate on a noisy line.
 */
export interface HoltErrorCovariance {
  /** Variance of the level error, per unit of observation noise variance. */
  readonly level: number;
  /** Covariance of the level error and the trend-per-step error. */
  readonly levelTrend: number;
  /** Variance of the trend-per-step error. */
  readonly trend: number;
}

/**
 * Steady-state covariance of Holt's level and trend errors for unit observation noise.
 * `levelWeight` (α) and `trendWeight` (β) are the per-step smoothing weights, both in (0, 1).
 */
export function holtErrorCovariance(levelWeight: number, trendWeight: number): HoltErrorCovariance {
  if (!(levelWeight > 0 && levelWeight < 1 && trendWeight > 0 && trendWeight < 1)) {
    throw new RangeError(
      `Holt weights must be in (0, 1): got level ${levelWeight}, trend ${trendWeight}`,
    );
  }
  const keep = 1 - levelWeight;
  const trendGain = levelWeight * trendWeight;
  // Rows are the equations for P11, P12 and P22 after moving every unknown to the left-hand side.
  const [level, levelTrend, trend] = solve3x3(
    [
      [1 - keep * keep, -2 * keep * keep, -keep * keep],
      [keep * trendGain, 1 - keep * (1 - 2 * trendGain), -keep * (1 - trendGain)],
      [-trendGain * trendGain, 2 * trendGain * (1 - trendGain), 1 - (1 - trendGain) ** 2],
    ],
    [levelWeight * levelWeight, levelWeight * trendGain, trendGain * trendGain],
  );
  return { level, levelTrend, trend };
}

/**
 * Variance of the straight line's error `steps` typical gaps ahead, per unit of noise variance:
 * Var(level error + steps × trend error).
 */
export function lineErrorVariance(covariance: HoltErrorCovariance, steps: number): number {
  return covariance.level + 2 * steps * covariance.levelTrend + steps * steps * covariance.trend;
}

type Row = [number, number, number];

/** Gaussian elimination with partial pivoting; the systems here are small and well conditioned. */
function solve3x3(matrix: [Row, Row, Row], rhs: Row): Row {
  const rows: number[][] = matrix.map((row, i) => [...row, rhs[i]]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let r = col + 1; r < 3; r++) {
      if (Math.abs(rows[r][col]) > Math.abs(rows[pivot][col])) pivot = r;
    }
    [rows[col], rows[pivot]] = [rows[pivot], rows[col]];
    for (let r = col + 1; r < 3; r++) {
      const factor = rows[r][col] / rows[col][col];
      for (let c = col; c < 4; c++) rows[r][c] -= factor * rows[col][c];
    }
  }
  const solution: Row = [0, 0, 0];
  for (let r = 2; r >= 0; r--) {
    let sum = rows[r][3];
    for (let c = r + 1; c < 3; c++) sum -= rows[r][c] * solution[c];
    solution[r] = sum / rows[r][r];
  }
  return solution;
}
