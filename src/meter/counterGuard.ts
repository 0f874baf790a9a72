/**
 * Keeps cumulative energy counters honest. A raw counter value is accepted when it does not go backwards and does
 * not grow faster than `maxPowerW` allows since the last accepted value (plus `slackWh` for float32 resolution).
 * Anything else is a glitch: rejected, never passed on, never used as a new baseline (evcc PR #30267 / #30592 booked
 * a lifetime total as one interval after a transient 0 became the baseline).
 *
 * A genuine discontinuity (meter replaced or reset) shows up as a new level that stays put: after `confirmReads`
 * consecutive glitching values that are consistent with each other, the guard re-bases with an offset so the
 * counter it reports continues from its last value: the energy of the gap is not booked, and nothing goes backwards.
 */
export interface CounterGuardOptions {
  maxPowerW: number
  /** Tolerance for resolution steps and rounding, Wh. Default 20 (float32 kWh near 131 MWh steps by 15.6 Wh). */
  slackWh?: number
  /** Consistent glitching reads needed to accept a new level. Default 5. */
  confirmReads?: number
}

export type CounterVerdict =
  | { ok: true; valueWh: number; rebased: boolean }
  | {
      ok: false
      reason: 'invalid' | 'decrease' | 'jump'
      lastWh: number | undefined
      /** The raw values that would have been accepted (what the meter could have accumulated since). */
      range: { min: number; max: number } | undefined
    }

export class CounterGuard {
  private readonly maxPowerW: number
  private readonly slackWh: number
  private readonly confirmReads: number
  /** Last accepted raw value and when. */
  private last: { raw: number; atMs: number } | undefined
  /** raw + offset = reported value. */
  private offset = 0
  private candidate: { raw: number; atMs: number; count: number } | undefined

  constructor(opts: CounterGuardOptions) {
    this.maxPowerW = opts.maxPowerW
    this.slackWh = opts.slackWh ?? 20
    this.confirmReads = opts.confirmReads ?? 5
  }

  /** Last value reported, Wh. */
  get valueWh(): number | undefined {
    return this.last && Math.round(this.last.raw + this.offset)
  }

  /**
   * The common case of `check` without a verdict object: takes a plausible `rawWh` and returns the value to report,
   * or returns undefined having changed nothing, when `rawWh` needs `check`'s judgement (a glitch or a first value).
   */
  advance(rawWh: number, atMs: number): number | undefined {
    const last = this.last
    if (!last || !(rawWh >= 0) || !this.plausible(last, rawWh, atMs)) return undefined
    last.raw = rawWh
    last.atMs = atMs
    this.candidate = undefined
    return Math.round(rawWh + this.offset)
  }

  check(rawWh: number, atMs: number): CounterVerdict {
    if (!Number.isFinite(rawWh) || rawWh < 0) {
      return { ok: false, reason: 'invalid', lastWh: this.valueWh, range: this.last && this.range(this.last, atMs) }
    }
    const last = this.last
    if (!last || this.plausible(last, rawWh, atMs)) {
      if (last) {
        last.raw = rawWh
        last.atMs = atMs
      } else this.last = { raw: rawWh, atMs }
      this.candidate = undefined
      return { ok: true, valueWh: Math.round(rawWh + this.offset), rebased: false }
    }
    const reason = rawWh < last.raw ? 'decrease' : 'jump'
    const cand = this.candidate
    this.candidate =
      cand && this.plausible(cand, rawWh, atMs)
        ? { raw: rawWh, atMs, count: cand.count + 1 }
        : { raw: rawWh, atMs, count: 1 }
    if (this.candidate.count < this.confirmReads) {
      return { ok: false, reason, lastWh: this.valueWh, range: this.range(last, atMs) }
    }
    // A new level held for confirmReads reads: continue from the last reported value, book nothing for the gap.
    this.offset = last.raw + this.offset - rawWh
    this.last = { raw: rawWh, atMs }
    this.candidate = undefined
    return { ok: true, valueWh: Math.round(rawWh + this.offset), rebased: true }
  }

  private plausible(from: { raw: number; atMs: number }, rawWh: number, atMs: number): boolean {
    const hours = Math.max(0, atMs - from.atMs) / 3_600_000
    return rawWh >= from.raw - this.slackWh / 4 && rawWh <= from.raw + this.maxPowerW * hours + this.slackWh
  }

  /** Raw values reachable from `from` by `atMs` at up to maxPowerW (slack for float32 resolution), as `plausible`. */
  private range(from: { raw: number; atMs: number }, atMs: number): { min: number; max: number } {
    const hours = Math.max(0, atMs - from.atMs) / 3_600_000
    return { min: from.raw - this.slackWh / 4, max: from.raw + this.maxPowerW * hours + this.slackWh }
  }
}
