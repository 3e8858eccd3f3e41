/** Internal: the metrics' argument checks. */
export function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`${a.length} labels but ${b.length} predictions`);
}
