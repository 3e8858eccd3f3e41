/**
 * Confirms a level shift: at least `needed` of the last `window` residuals lie more than `k`
 * scales away on the same side. A spike of one or two points never qualifies; a new level does
 * within `needed` points. The caller then moves its level by the returned jump (the median of
 * those residuals), so the shift is flagged while it is new and absorbed once confirmed, instead of
 * alarming for as long as a slow average takes to catch up. Fixed size: a ring of `window` numbers.
 */
export class ShiftConfirmation {
  private readonly residuals: Float64Array;
  private count = 0;
  private head = 0;

  constructor(
    private readonly k = 3,
    window = 7,
    private readonly needed = 5,
  ) {
    this.residuals = new Float64Array(window);
  }

  /** Records a residual; returns the jump to apply to the level, or 0 when none is confirmed. */
  observe(residual: number, scale: number): number {
    const ring = this.residuals;
    ring[this.head] = residual;
    this.head = (this.head + 1) % ring.length;
    if (this.count < ring.length) this.count++;
    const limit = this.k * scale;
    const above: number[] = [];
    const below: number[] = [];
    for (let j = 0; j < this.count; j++) {
      if (ring[j] > limit) above.push(ring[j]);
      else if (ring[j] < -limit) below.push(ring[j]);
    }
    const side = above.length >= this.needed ? above : below.length >= this.needed ? below : null;
    if (side === null) return 0;
    side.sort((a, b) => a - b);
    const jump = side[side.length >> 1];
    // The stored residuals are re-expressed against the new level, so they do not confirm again.
    for (let j = 0; j < this.count; j++) ring[j] -= jump;
    return jump;
  }

  reset(): void {
    this.count = 0;
    this.head = 0;
  }
}
