import { Progress } from './progress';

function output(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, out: { isTTY, columns: 80, write: (t: string) => writes.push(t) } };
}

describe('Progress', () => {
  it('prints one line per 10% when stderr is not a terminal', () => {
    let now = 0;
    const { writes, out } = output(false);
    const p = new Progress(1_000, out, () => now);
    for (let i = 0; i < 100; i++) {
      now += 10;
      p.advance(10, 5);
    }
    p.finish();
    expect(writes).toHaveLength(10);
    expect(writes[0]).toBe(' 10%  50 records  500 records/s\n');
    expect(writes[9]).toBe('100%  500 records  500 records/s\n');
  });

  it('redraws one bar in place on a terminal, at most every 100 ms', () => {
    let now = 0;
    const { writes, out } = output(true);
    const p = new Progress(100, out, () => now);
    now = 150;
    p.advance(50, 10);
    p.advance(10, 1); // within 100 ms of the last frame: skipped
    p.finish();
    expect(writes).toHaveLength(3);
    expect(writes[0]).toMatch(/^\r\[#{18}\.{17}\]/);
    expect(writes[0]).toContain(']  50%  10 records  67 records/s');
    expect(writes[1]).toMatch(/^\r\[#{35}\] 100%/);
    expect(writes[2]).toBe('\n');
  });

  it('treats an empty file as done', () => {
    expect(new Progress(0, output(false).out).fraction()).toBe(1);
  });
});
