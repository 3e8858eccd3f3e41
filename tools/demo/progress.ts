export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * Progress on stderr, measured in input bytes (the row count is unknown until the file is read)
 * or in the items themselves (a replay's messages: advance(n, n)). A terminal gets a redrawn bar;
 * a log file or CI gets one line per 10%, not thousands of frames.
 */
export class Progress {
  private doneBytes = 0;
  private records = 0;
  private lastDecile = 0;
  private lastDraw = 0;
  private readonly start: number;

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
      if (this.now() - this.lastDraw >= 100) this.draw();
      return;
    }
    const decile = Math.floor(this.fraction() * 10);
    if (decile > this.lastDecile && decile < 10) {
      this.lastDecile = decile;
      this.out.write(`${this.status()}\n`);
    }
  }

  finish(): void {
    this.doneBytes = this.totalBytes;
    if (this.out.isTTY) {
      this.draw();
      this.out.write('\n');
    } else {
      this.out.write(`${this.status()}\n`);
    }
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
    this.lastDraw = this.now();
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 45));
    const filled = Math.round(this.fraction() * width);
    this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.status()}\x1b[K`);
  }
}
