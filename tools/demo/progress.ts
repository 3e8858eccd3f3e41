import { MultiBar, type SingleBar } from 'cli-progress';

export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * One cli-progress bar on a terminal, as the tools draw it: redrawn in place on cli-progress's
 * own 100 ms clock, with lines logged meanwhile printed above it (a MultiBar of one, for its
 * log()). Call stop() on every path: the bar's timer would keep the process alive.
 */
export class TerminalBar {
  private readonly bars: MultiBar;
  private readonly bar: SingleBar;
  private stopped = false;

  constructor(
    out: ProgressOutput,
    options: { format: string; barsize: number; total: number; value: number; payload: object },
  ) {
    this.bars = new MultiBar({
      stream: out as NodeJS.WritableStream,
      format: options.format,
      barsize: options.barsize,
      barCompleteChar: '#',
      barIncompleteChar: '.',
      // Redraw even when the line is unchanged, or a logged line would wipe the bar until the
      // next change; and leave line wrapping alone (cli-progress would turn it off until stop(),
      // so a Ctrl-C would leave the terminal without it): the line is cut to the width instead.
      forceRedraw: true,
      linewrap: true,
    });
    this.bar = this.bars.create(options.total, options.value, options.payload);
  }

  update(value: number, payload: object): void {
    if (!this.stopped) this.bar.update(value, payload);
  }

  log(line: string): void {
    this.bars.log(`${line}\n`);
  }

  /** Draws the last state, ends the line, clears the timer. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bars.update(); // prints the lines still buffered, which cli-progress's stop() drops
    this.bars.stop();
  }

  get active(): boolean {
    return !this.stopped;
  }
}

/**
 * Progress on stderr, measured in input bytes (the row count is unknown until the file is read)
 * or in the items themselves (a replay's messages: advance(n, n)). A terminal gets a redrawn bar;
 * a log file or CI gets one line per 10%, not thousands of frames (cli-progress's own mode for
 * those prints the whole bar every 2 s).
 */
export class Progress {
  private doneBytes = 0;
  private records = 0;
  private lastDecile = 0;
  private readonly start: number;
  private bar: TerminalBar | null = null;

  constructor(
    private readonly totalBytes: number,
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = Date.now,
    private readonly unit = 'records',
  ) {
    this.start = now();
  }

  advance(bytes: number, records: number): void {
    this.doneBytes += bytes;
    this.records += records;
    if (this.out.isTTY) {
      this.draw();
      return;
    }
    const decile = Math.floor(this.fraction() * 10);
    if (decile > this.lastDecile && decile < 10) {
      this.lastDecile = decile;
      this.out.write(`${this.status()}\n`);
    }
  }

  /** A line for the person watching (a retry, say): above the bar, not through it. */
  log(line: string): void {
    if (this.bar?.active) this.bar.log(line);
    else this.out.write(`${line}\n`);
  }

  finish(): void {
    this.doneBytes = this.totalBytes;
    if (this.out.isTTY) {
      this.draw();
      this.stop();
    } else {
      this.out.write(`${this.status()}\n`);
    }
  }

  /** Ends the bar where it stands: a failure, or a follow that was interrupted. */
  stop(): void {
    this.bar?.stop();
  }

  fraction(): number {
    return this.totalBytes > 0 ? Math.min(1, this.doneBytes / this.totalBytes) : 1;
  }

  status(): string {
    const seconds = (this.now() - this.start) / 1000;
    const rate = seconds > 0 ? Math.round(this.records / seconds) : 0;
    const percent = `${Math.floor(this.fraction() * 100)}%`.padStart(4);
    return `${percent}  ${this.records} ${this.unit}  ${rate} ${this.unit}/s`;
  }

  private draw(): void {
    const payload = { status: this.status() };
    if (this.bar) return this.bar.update(this.doneBytes, payload);
    // cli-progress reads a total of 0 (an empty file) as done, as fraction() does.
    this.bar = new TerminalBar(this.out, {
      format: '[{bar}] {status}',
      barsize: Math.max(10, Math.min(40, (this.out.columns ?? 80) - 45)),
      total: this.totalBytes,
      value: this.doneBytes,
      payload,
    });
  }
}
