import { ShiftConfirmation } from './shift-confirmation';

describe('ShiftConfirmation', () => {
  it('never confirms a spike of one or two points', () => {
    const shifts = new ShiftConfirmation();
    const residuals = [0.1, -0.3, 12, 11, 0.2, -0.1, 0.4, 0, 0.3];
    expect(residuals.map((r) => shifts.observe(r, 1))).toEqual(residuals.map(() => 0));
  });

  it('confirms a new level at its fifth point and jumps by its median', () => {
    const shifts = new ShiftConfirmation();
    const jumps = [0.2, -0.1, 8, 9, 7.5, 8.5, 8.2].map((r) => shifts.observe(r, 1));
    expect(jumps.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(jumps[6]).toBe(8.2);
    // Against the new level, the same points are no longer a shift.
    expect(shifts.observe(0.1, 1)).toBe(0);
  });

  it('needs the same side: noise that merely grew is not a shift', () => {
    const shifts = new ShiftConfirmation();
    const residuals = [5, -5, 6, -6, 5, -5, 6, -6];
    expect(residuals.map((r) => shifts.observe(r, 1)).every((j) => j === 0)).toBe(true);
  });
});
