import { MeterError } from '../errors.js'

/** What a simulated meter measures at one instant. Energies are cumulative Wh (fractional inside an interval). */
export interface SimState {
  /** + = import from grid. */
  activePowerW: number
  importWh: number
  exportWh: number
  pvPowerW: number
  pvWh: number
  voltageV: number
  frequencyHz: number
}

/** Where a simulated meter's values come from: a pure function of time, so any clock (accelerated) can drive it. */
export interface MeterSource {
  at(tMs: number): SimState
  /** True when the source has PV generation. */
  readonly hasPv: boolean
}

export interface TraceInit {
  /** Instant the first interval starts (unix ms). Before it, the counters sit at their initial values. */
  startMs: number
  intervalMs: number
  /** Energy imported from the grid per interval, Wh. */
  importWh: ArrayLike<number>
  /** Energy exported to the grid per interval, Wh. */
  exportWh: ArrayLike<number>
  /** Gross PV generation per interval, Wh. */
  pvWh?: ArrayLike<number>
  /** Counter values at `startMs`. Default 1 000 000 Wh import (a meter that has run a while), 0 export, 0 PV. */
  initialImportWh?: number
  initialExportWh?: number
  initialPvWh?: number
  /** Replay the trace again after its end (default true); otherwise power drops to 0 and counters stop. */
  loop?: boolean
}

/**
 * Replays per-interval energies through the counters: at the end of interval k the import counter is exactly
 * `initialImportWh + sum(importWh[0..k])`, and inside an interval it grows linearly at the interval's mean power.
 * A reader that reads at interval boundaries therefore sees the trace's Wh, to the Wh.
 *
 * @example
 * const source = traceSource({ startMs: clock.now(), intervalMs: 1_800_000, importWh: [120, 80], exportWh: [0, 40] })
 */
export function traceSource(init: TraceInit): MeterSource {
  const n = init.importWh.length
  if (!(init.intervalMs > 0)) throw invalid('intervalMs', 'must be > 0')
  if (n === 0) throw invalid('importWh', 'trace is empty')
  if (init.exportWh.length !== n) throw invalid('exportWh', `length ${init.exportWh.length}, expected ${n}`)
  if (init.pvWh && init.pvWh.length !== n) throw invalid('pvWh', `length ${init.pvWh.length}, expected ${n}`)
  const imp = prefix(init.importWh, 'importWh')
  const exp = prefix(init.exportWh, 'exportWh')
  const pv = init.pvWh ? prefix(init.pvWh, 'pvWh') : undefined
  const { startMs, intervalMs, loop = true } = init
  const i0 = init.initialImportWh ?? 1_000_000
  const e0 = init.initialExportWh ?? 0
  const p0 = init.initialPvWh ?? 0
  const toW = 3_600_000 / intervalMs
  return {
    hasPv: pv !== undefined,
    at(tMs) {
      const elapsed = Math.max(0, tMs - startMs)
      const kAbs = Math.floor(elapsed / intervalMs)
      const ended = !loop && kAbs >= n
      const cycles = ended ? 0 : Math.floor(kAbs / n)
      const k = ended ? n : kAbs % n
      const f = ended ? 0 : (elapsed - kAbs * intervalMs) / intervalMs
      const counter = (sums: Float64Array, values: ArrayLike<number>, initial: number) =>
        initial + cycles * sums[n]! + sums[k]! + (ended ? 0 : f * values[k]!)
      const rate = (values: ArrayLike<number> | undefined) => (ended || !values ? 0 : values[k]! * toW)
      return {
        activePowerW: rate(init.importWh) - rate(init.exportWh),
        importWh: counter(imp, init.importWh, i0),
        exportWh: counter(exp, init.exportWh, e0),
        pvPowerW: rate(init.pvWh),
        pvWh: pv ? counter(pv, init.pvWh!, p0) : 0,
        voltageV: 230,
        frequencyHz: 50,
      }
    },
  }
}

/**
 * A household behind one meter: per-interval consumption and gross PV become grid import and export (netted within
 * each interval, like a net meter that integrates power).
 */
export function householdTrace(
  init: Omit<TraceInit, 'importWh' | 'exportWh' | 'pvWh'> & {
    consumptionWh: ArrayLike<number>
    pvWh?: ArrayLike<number>
  },
): MeterSource {
  const n = init.consumptionWh.length
  const importWh = new Float64Array(n)
  const exportWh = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const net = init.consumptionWh[i]! - (init.pvWh?.[i] ?? 0)
    importWh[i] = Math.max(0, net)
    exportWh[i] = Math.max(0, -net)
  }
  return traceSource({ ...init, importWh, exportWh, pvWh: init.pvWh })
}

/**
 * A simple deterministic day shape (5-minute intervals, UTC hours): base load with morning and evening peaks, and a
 * half-sine PV curve from 06:00 to 18:00 when `pvPeakW` > 0. Repeats every day.
 */
export function syntheticSource(init: {
  /** The counters start at `initialImportWh` at the UTC midnight before this instant. */
  startMs: number
  baseLoadW?: number
  peakLoadW?: number
  pvPeakW?: number
  initialImportWh?: number
}): MeterSource {
  const { baseLoadW = 350, peakLoadW = 1800, pvPeakW = 0 } = init
  const intervalMs = 300_000
  const perDay = 288
  const consumptionWh = new Float64Array(perDay)
  const pvWh = new Float64Array(perDay)
  for (let i = 0; i < perDay; i++) {
    const h = (i + 0.5) / 12
    const load =
      baseLoadW + peakLoadW * Math.exp(-(((h - 19) / 2) ** 2)) + 0.4 * peakLoadW * Math.exp(-(((h - 7.5) / 1.5) ** 2))
    consumptionWh[i] = Math.round(load / 12)
    pvWh[i] = Math.round((pvPeakW * Math.max(0, Math.sin((Math.PI * (h - 6)) / 12))) / 12)
  }
  return householdTrace({
    startMs: Math.floor(init.startMs / 86_400_000) * 86_400_000,
    intervalMs,
    consumptionWh,
    pvWh: pvPeakW > 0 ? pvWh : undefined,
    initialImportWh: init.initialImportWh,
  })
}

function prefix(values: ArrayLike<number>, field: string): Float64Array {
  const sums = new Float64Array(values.length + 1)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (!Number.isFinite(v) || v < 0) throw invalid(`${field}[${i}]`, `${v} is not a non-negative number of Wh`)
    sums[i + 1] = sums[i]! + v
  }
  return sums
}

function invalid(field: string, details: string): MeterError {
  return new MeterError('invalid simulator trace', { code: 'INVALID_ARGUMENT', field, details })
}
