/**
 * The scan progress bar on stderr: files done of total, bytes, MB/s and ETA, redrawn in place
 * at most PROGRESS_REDRAWS_PER_SECOND times a second. Only used when stderr is a terminal.
 */

/** Redraws per second at most; more would only cost time and flicker. */
export const PROGRESS_REDRAWS_PER_SECOND = 10;

/** Where the bar is drawn. */
export interface ProgressStream {
  write(s: string): unknown;
  columns?: number;
}

/** "12.3 MB", "1.20 GB" (decimal units, as MB/s is). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** "0:07", "12:34", "1:02:03". */
export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The text of the bar (without the carriage return), fitted to `width` columns. */
export function progressLine(filesDone: number, filesTotal: number, bytesDone: number, bytesTotal: number, elapsedSeconds: number, width: number, unicode: boolean): string {
  const rate = elapsedSeconds > 0 ? bytesDone / elapsedSeconds : 0;
  const eta = rate > 0 ? (bytesTotal - bytesDone) / rate : Infinity;
  const text = ` ${filesDone}/${filesTotal} files  ${formatBytes(bytesDone)}/${formatBytes(bytesTotal)}  ${(rate / 1e6).toFixed(1)} MB/s  ETA ${formatEta(eta)}`;
  const barWidth = Math.max(0, Math.min(30, width - text.length - 3));
  if (barWidth < 5) return text.trimStart().slice(0, Math.max(0, width - 1));
  const fraction = bytesTotal > 0 ? Math.min(1, bytesDone / bytesTotal) : filesTotal > 0 ? filesDone / filesTotal : 1;
  const filled = Math.round(fraction * barWidth);
  const [full, empty] = unicode ? ['█', '░'] : ['#', '-'];
  return `[${full.repeat(filled)}${empty.repeat(barWidth - filled)}]${text}`;
}

/** A throttled, self-erasing progress bar. */
export class ProgressBar {
  private lastDraw = -Infinity;
  private readonly started: number;
  private filesDone = 0;
  private bytesDone = 0;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly unicode: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = this.now();
  }

  /** Record progress; redraws when the last redraw is old enough (or `force`). */
  update(bytesDone: number, filesDone: number, force = false): void {
    this.bytesDone = bytesDone;
    this.filesDone = filesDone;
    const t = this.now();
    if (!force && t - this.lastDraw < 1000 / PROGRESS_REDRAWS_PER_SECOND) return;
    this.lastDraw = t;
    this.draw(t);
  }

  private draw(t: number): void {
    // A pseudo-terminal without a size reports 0 columns.
    const width = this.stream.columns || 80;
    const line = progressLine(this.filesDone, this.filesTotal, this.bytesDone, this.bytesTotal, (t - this.started) / 1000, width, this.unicode);
    // \r back to column 0, ESC[K erases what a longer previous line left.
    this.stream.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** Erase the bar so what follows starts on a clean line. */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}
