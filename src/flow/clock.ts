/**
 * The flow clock: capture time as the flow table and the rules see it, guarded against one bad
 * timestamp. A frame dated decades ahead (a corrupt record, a field read as 2106) would otherwise
 * expire every open conversation at once and split each into two; a clock stepped back would make
 * intervals negative and change a verdict. Like Zeek's weird for timestamps that go backwards, a
 * jump is the anomaly `time_jump`; and where one frame alone is wrong, it is corrected.
 */

/** A frame more than this many seconds ahead of the flow clock is a jump (a day: no capture pauses that long and resumes the same conversations). */
export const TIME_JUMP_FORWARD = 86_400;

/** A frame more than this many seconds behind the flow clock is a jump (captures merged from two interfaces disagree by milliseconds, not seconds). */
export const TIME_JUMP_BACK = 1;

/** What `FlowClock.time` answers for a frame that jumped: hold the frame until the next one says whether the jump lasts. */
export const HOLD = Number.NaN;

/**
 * Turns each frame's timestamp into flow time, with one frame of hindsight for jumps. A frame that
 * jumps is held (`time` answers HOLD) until the next frame arrives; then `heldTime` says when the
 * held frame happened in flow time:
 * - the next frame is back near the clock: the held frame alone was wrong (an outlier), and is
 *   placed halfway between its neighbours;
 * - the next frame agrees with the held one: the clock stepped. Forward, flow time follows the
 *   step (idle conversations expire, as they would have). Back, flow time goes on from where it
 *   was, the step taken to last as long as the gap between the two frames before it, so the
 *   intervals after it stay true.
 */
export class FlowClock {
  /** Latest flow time handed out. */
  private latest = -Infinity;
  /** The gap between the last two frames handed out (how long a step back is taken to last). */
  private lastGap = 0;
  /** Added to timestamps after a step back (0 until then). */
  private offset = 0;
  /** Timestamp of the held frame, NaN when none is held. */
  private held = Number.NaN;
  /** Flow time of the frame held until this call (valid after `time` or `release` resolved it). */
  heldTime = Number.NaN;
  /** The held frame turned out to be a lone outlier (leave it out of the capture's time span). */
  heldWasOutlier = false;
  /** Jumps seen, and the first one's frame and size (seconds, negative for a step back). */
  jumps = 0;
  firstJumpFrame = -1;
  firstJumpSeconds = 0;

  /** True while a frame is held. */
  get holding(): boolean {
    return !Number.isNaN(this.held);
  }

  /**
   * The flow time of frame `frame` stamped `stamp` (seconds), or HOLD when it jumped. When a frame
   * was held, this call resolves it first: read `heldTime` and `heldWasOutlier` before the next call.
   */
  time(stamp: number, frame: number): number {
    if (this.holding) return this.resolve(stamp, frame);
    const t = stamp + this.offset;
    const d = t - this.latest;
    if (this.latest === -Infinity || (d <= TIME_JUMP_FORWARD && d >= -TIME_JUMP_BACK)) return this.accept(t);
    this.jumps++;
    if (this.firstJumpFrame < 0) {
      this.firstJumpFrame = frame;
      this.firstJumpSeconds = d;
    }
    this.held = stamp;
    return HOLD;
  }

  /** No frame follows the held one (end of capture): it is taken as an outlier, at the clock's time. */
  release(): void {
    if (!this.holding) return;
    this.held = Number.NaN;
    this.heldTime = this.latest;
    this.heldWasOutlier = true;
  }

  private accept(t: number): number {
    if (t > this.latest) {
      if (this.latest !== -Infinity) this.lastGap = Math.min(TIME_JUMP_BACK, t - this.latest);
      this.latest = t;
    }
    return t;
  }

  /** The frame after a held one: decide what the held one was, then place this one. */
  private resolve(stamp: number, frame: number): number {
    const heldStamp = this.held;
    this.held = Number.NaN;
    const t = stamp + this.offset;
    const d = t - this.latest;
    const since = stamp - heldStamp;
    const nearClock = d <= TIME_JUMP_FORWARD && d >= -TIME_JUMP_BACK;
    const nearHeld = since <= TIME_JUMP_FORWARD && since >= -TIME_JUMP_BACK;
    if (nearClock || !nearHeld) {
      // The held frame alone jumped (or this one jumps elsewhere again: then it is held in turn).
      this.heldWasOutlier = true;
      if (nearClock) {
        this.heldTime = Math.max(this.latest, this.latest + (t - this.latest) / 2);
        return this.accept(t);
      }
      this.heldTime = this.latest;
      return this.time(stamp, frame);
    }
    this.heldWasOutlier = false;
    const heldFlow = heldStamp + this.offset;
    if (heldFlow < this.latest) {
      // A lasting step back: the held frame follows the clock by the last gap seen.
      this.offset = this.latest + this.lastGap - heldStamp;
    }
    this.heldTime = this.accept(heldStamp + this.offset);
    return this.accept(stamp + this.offset);
  }
}
