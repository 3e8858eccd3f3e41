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

  it('treats an empty file as done', () => {
    expect(new Progress(0, output(false).out).fraction()).toBe(1);
  });

  describe('on a terminal', () => {
    beforeEach(() => jest.useFakeTimers({ now: 0 }));
    afterEach(() => jest.useRealTimers());
    const frames = (writes: string[]) => writes.filter((w) => w.startsWith('['));

    it('redraws one bar in place, at most every 100 ms, and ends the line when done', () => {
      const { writes, out } = output(true);
      const p = new Progress(100, out, Date.now);
      jest.advanceTimersByTime(150);
      p.advance(50, 10);
      expect(frames(writes)).toEqual([]); // drawn on the bar's own clock, not on every call
      jest.advanceTimersByTime(100);
      expect(frames(writes)).toEqual([
        '[##################.................]  50%  10 records  67 records/s',
      ]);
      jest.advanceTimersByTime(10);
      p.advance(15, 1);
      jest.advanceTimersByTime(20);
      p.advance(15, 1); // within the same 100 ms: only the latest state is drawn
      jest.advanceTimersByTime(70);
      expect(frames(writes).at(-1)).toBe(
        '[############################.......]  80%  12 records  43 records/s',
      );
      expect(frames(writes).some((f) => f.includes(' 65% '))).toBe(false);
      p.finish();
      expect(frames(writes).at(-1)).toMatch(/^\[#{35}\] 100% {2}12 records/);
      // In place: each frame goes back to the first column and clears what a longer one left.
      writes.forEach((w, i) => {
        if (!w.startsWith('[')) return;
        expect(writes[i - 1]).toBe('\x1b[1G');
        expect(writes[i + 1]).toBe('\x1b[0K');
      });
      expect(writes.filter((w) => w.includes('\n'))).toEqual(['\n']);
      expect(writes.at(-1)).toBe('\n');
      expect(jest.getTimerCount()).toBe(0);
    });

    it('prints a log line above the bar, which comes back at once', () => {
      const { writes, out } = output(true);
      const p = new Progress(100, out, Date.now);
      p.advance(30, 3);
      jest.advanceTimersByTime(100);
      p.log('server answered 429; retry 1 in 1.0 s');
      jest.advanceTimersByTime(100);
      const logged = writes.indexOf('server answered 429; retry 1 in 1.0 s\n');
      expect(logged).toBeGreaterThan(0);
      expect(writes[logged - 1]).toBe('\x1b[2K'); // the bar's line is cleared for it
      expect(writes.slice(logged + 1).find((w) => w.startsWith('['))).toMatch(/^\[.+\] {2}30%/);
      p.stop();
    });

    it('stops where it stands, without claiming 100% or keeping a timer', () => {
      const { writes, out } = output(true);
      const p = new Progress(100, out, Date.now);
      p.advance(50, 10);
      p.log('produce: the server answered 500');
      p.stop();
      expect(writes).toContain('produce: the server answered 500\n'); // not lost in the buffer
      expect(frames(writes).at(-1)).toMatch(/^\[#{18}\.{17}\] {2}50%/);
      expect(writes.at(-1)).toBe('\n');
      expect(jest.getTimerCount()).toBe(0);
      p.log('after the bar');
      expect(writes.at(-1)).toBe('after the bar\n');
    });
  });
});
