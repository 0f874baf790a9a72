import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import { type Clock, systemClock } from '../core/time/clock.js'
import { checkPlausibility, type PlausibilityLimits } from './checkPlausibility.js'
import { CounterGuard } from './counterGuard.js'
import type { WordOrder } from './decode.js'
import { MeterError, type MeterErrorCode, toMeterError } from './errors.js'
import { implausibleError } from './implausibleError.js'
import type { Link, ReadRegistersArgs } from './link.js'
import { createSource, type Source } from './meterSource.js'
import { type PlanDecoder, planDecoder, type ReadPlan } from './plan.js'
import { loadProfile, type MeterProfile } from './profile.js'
import {
  type Counter as CounterQuantity,
  type Decoded,
  emptyDecoded,
  type PhaseValues,
  QUANTITY_INDEX,
  type Quantity,
  type Reading,
} from './types.js'

export interface OpenMeterOptions {
  /** A profile object or a built-in id / alias / JSON path (see `loadProfile`). Must have the `grid` role. */
  profile: MeterProfile | string
  /** Default: the profile's `transport.unitId`. */
  unitId?: number
  /** A PV inverter read along with the meter (same link): SunSpec inverter models or a `pv` registers profile. */
  pv?: { profile?: MeterProfile | string; unitId?: number }
  /** Timestamps and staleness. Default: the system clock. */
  clock?: Clock
  /** Label for errors, logs and metrics. Default `<link key>#<unit id>`. */
  name?: string
  /** Overrides the profile's `maxPowerW` (set it to the connection's fuse rating). */
  maxPowerW?: number
  /** Overrides the word order of every 32-bit value of the profile (a device configured to another order). */
  wordOrder?: WordOrder
  /** A reading older than this is stale for `latest()`. Default 10 000 ms. */
  staleAfterMs?: number
  /** Passed to each counter guard. */
  counterConfirmReads?: number
  /** Per-request timeout, overriding the link's. */
  timeoutMs?: number
  metrics?: { registry: Registry }
  logger?: Logger
}

export interface MeterStats {
  readings: number
  /** Modbus requests this meter put on the link (discovery included). */
  requests: number
}

/**
 * A meter on a link. `read()` returns a normalised, checked reading or throws a {@link MeterError}; it never
 * returns a value it could not verify. Every error is counted per code in `errors` (and in Prometheus when a
 * registry is given).
 */
export interface Meter {
  readonly name: string
  read(opts?: { signal?: AbortSignal }): Promise<Reading>
  /** The last good reading if younger than `staleAfterMs`; otherwise throws STALE. */
  latest(): Reading
  readonly errors: Readonly<Partial<Record<MeterErrorCode, number>>>
  readonly stats: Readonly<MeterStats>
}

/**
 * @example
 * const link = createLink({ transport: 'tcp', host: '127.0.0.1', port: 5020 })
 * const meter = openMeter(link, { profile: 'sdm630', unitId: 1 })
 * const { activePowerW, importEnergyWh } = await meter.read()
 */
export function openMeter(link: Link, opts: OpenMeterOptions): Meter {
  return new ModbusMeter(link, opts)
}

/** One request and its reply handler, for a meter read in a single block (see `fastPath`). */
interface FastPath {
  args: ReadRegistersArgs
  onReply: (reply: Buffer) => Reading
}

/** A source's decoded values with the decoder that knows which quantities it planned. */
interface SourceValues {
  values: Decoded
  decoder: PlanDecoder
}

class ModbusMeter implements Meter {
  readonly name: string
  readonly errors: Partial<Record<MeterErrorCode, number>> = {}
  readonly stats: MeterStats = { readings: 0, requests: 0 }
  private readonly grid: Source
  private readonly pv: Source | undefined
  private readonly clock: Clock
  private readonly maxPowerW: number
  private readonly limits: PlausibilityLimits
  /** -1 when the profile counts export as positive power: readings count import as positive. */
  private readonly sign: 1 | -1
  private readonly staleAfterMs: number
  private readonly timeoutMs: number | undefined
  private readonly guards: Record<CounterQuantity, CounterGuard>
  private readonly metrics: { errors: Counter<'device' | 'code'>; readings: Counter<'device'> } | undefined
  private readonly logger: Logger | undefined
  private last: Reading | undefined
  private readonly fast: FastPath | undefined

  constructor(
    private readonly link: Link,
    opts: OpenMeterOptions,
  ) {
    const profile = typeof opts.profile === 'string' ? loadProfile(opts.profile) : opts.profile
    if (profile.kind === 'registers' && profile.role !== 'grid') {
      throw new MeterError('openMeter needs a grid meter profile', {
        code: 'PROFILE',
        field: 'profile',
        details: `${profile.id} is a ${profile.role} profile: pass it as opts.pv`,
      })
    }
    const unitId = opts.unitId ?? profile.transport.unitId
    this.name = opts.name ?? `${link.key}#${unitId}`
    this.grid = createSource(link, profile, unitId, 'grid', this, opts.wordOrder)
    if (opts.pv) {
      const pvProfile = opts.pv.profile
        ? typeof opts.pv.profile === 'string'
          ? loadProfile(opts.pv.profile)
          : opts.pv.profile
        : profile
      this.pv = createSource(link, pvProfile, opts.pv.unitId ?? unitId, 'pv', this, opts.wordOrder)
    }
    this.clock = opts.clock ?? systemClock()
    this.maxPowerW = opts.maxPowerW ?? profile.maxPowerW
    this.limits = { maxPowerW: this.maxPowerW }
    this.sign = this.grid.profile.powerSign === 'exportPositive' ? -1 : 1
    this.staleAfterMs = opts.staleAfterMs ?? 10_000
    this.timeoutMs = opts.timeoutMs
    const guard = () => new CounterGuard({ maxPowerW: this.maxPowerW, confirmReads: opts.counterConfirmReads })
    this.guards = { importEnergyWh: guard(), exportEnergyWh: guard(), pvEnergyWh: guard() }
    this.metrics = opts.metrics && meterMetrics(opts.metrics.registry)
    this.logger = opts.logger
    this.fast = this.fastPath()
  }

  /** Used by sources: every request goes through here so it is counted. */
  request(unitId: number, block: ReadPlan['blocks'][number], signal?: AbortSignal): Promise<Buffer> {
    this.stats.requests++
    const { functionCode, address, count } = block
    return this.link.readRegisters({ unitId, functionCode, address, count, signal, timeoutMs: this.timeoutMs })
  }

  read(opts?: { signal?: AbortSignal }): Promise<Reading> {
    const signal = opts?.signal
    const fast = this.fast
    if (!fast) return this.readSources(signal)
    // The common case, a register map read in one block: one request and one handler that decodes, checks and
    // normalises, with no async machinery around it (each promise layer showed in bench:meter).
    this.stats.requests++
    return this.link.readRegistersThen(signal ? { ...fast.args, signal } : fast.args, fast.onReply, this.fail)
  }

  private async readSources(signal: AbortSignal | undefined): Promise<Reading> {
    try {
      const grid = await this.readSource(this.grid, signal)
      const pv = this.pv && (await this.readSource(this.pv, signal))
      return this.accept(grid.values, grid.decoder, pv)
    } catch (err) {
      return this.fail(err)
    }
  }

  private readonly fail = (err: unknown): never => {
    throw this.count(toMeterError(err))
  }

  /** Normalises decoded values into the reading returned, or throws (not yet counted). */
  private accept(grid: Decoded, gridDecoder: PlanDecoder, pv: SourceValues | undefined): Reading {
    const reading = this.normalise(grid, gridDecoder, pv, this.clock.now())
    this.last = reading
    this.stats.readings++
    this.metrics?.readings.inc({ device: this.name })
    return reading
  }

  latest(): Reading {
    const last = this.last
    const age = last ? this.clock.now() - last.timestampMs : Number.POSITIVE_INFINITY
    if (last && age <= this.staleAfterMs) return last
    throw this.count(
      new MeterError(`no fresh reading from ${this.name}`, {
        code: 'STALE',
        details: last ? `last good reading is ${age} ms old (limit ${this.staleAfterMs} ms)` : 'no good reading yet',
      }),
    )
  }

  private count(err: MeterError): MeterError {
    this.errors[err.code] = (this.errors[err.code] ?? 0) + 1
    this.metrics?.errors.inc({ device: this.name, code: err.code })
    this.logger?.debug({ device: this.name, code: err.code, err: err.shortMessage }, 'meter read failed')
    return err
  }

  private async readSource(source: Source, signal?: AbortSignal): Promise<SourceValues> {
    try {
      const plan = source.fixedPlan ?? (await source.plan(signal))
      const replies: Buffer[] = []
      for (const block of plan.blocks) replies.push(await this.request(source.unitId, block, signal))
      const decoder = planDecoder(plan)
      return { values: this.decode(source, decoder, replies, emptyDecoded()), decoder }
    } catch (err) {
      // The layout may have changed (SunSpec device reconfigured, firmware update): discover again next time.
      if (err instanceof MeterError && (err.code === 'BAD_REPLY' || err.code === 'ILLEGAL_ADDRESS')) source.invalidate()
      throw err
    }
  }

  /**
   * The prebuilt request and reply handler of a grid meter read in one block, so that a reading allocates as little
   * as it can: its values are decoded into one array kept for the purpose (decoding, checking and normalising are
   * synchronous, so concurrent reads cannot share it). A throw in `onReply` is counted there: the link's error
   * handler beside it in `read` (`fail`) only sees the read's own failures.
   */
  private fastPath(): FastPath | undefined {
    const source = this.grid
    const plan = source.fixedPlan
    if (this.pv || plan?.blocks.length !== 1) return undefined
    const { functionCode, address, count } = plan.blocks[0]!
    const decoder = planDecoder(plan)
    const values = emptyDecoded()
    return {
      args: { unitId: source.unitId, functionCode, address, count, timeoutMs: this.timeoutMs },
      onReply: (reply) => {
        try {
          return this.accept(this.decode(source, decoder, [reply], values), decoder, undefined)
        } catch (err) {
          return this.fail(err)
        }
      },
    }
  }

  /** Decodes the replies into `out` and checks them for physical plausibility. */
  private decode(source: Source, decoder: PlanDecoder, replies: Buffer[], out: Decoded): Decoded {
    const values = decoder.decode(replies, out)
    const issue = checkPlausibility(values, this.limits)
    if (issue) {
      throw implausibleError(issue, {
        device: this.name,
        profile: source.profile,
        unitId: source.unitId,
        plan: decoder.plan,
        replies,
        limits: this.limits,
      })
    }
    return values
  }

  private normalise(
    grid: Decoded,
    gridDecoder: PlanDecoder,
    pv: SourceValues | undefined,
    timestampMs: number,
  ): Reading {
    const sign = this.sign
    const unavailable: Quantity[] = []
    gridDecoder.pushUnavailable(grid, unavailable)
    pv?.decoder.pushUnavailable(pv.values, unavailable)
    const activePowerW = sign * this.need(grid, 'activePowerW')
    const reading: Reading = {
      timestampMs,
      activePowerW,
      importEnergyWh: this.counter('importEnergyWh', this.need(grid, 'importEnergyWh'), timestampMs),
      exportEnergyWh: this.counter('exportEnergyWh', this.need(grid, 'exportEnergyWh'), timestampMs),
      unavailable,
    }
    const phases = readPhases(grid, sign)
    if (phases) reading.phases = phases
    const hz = grid[I.frequencyHz]!
    if (!Number.isNaN(hz)) reading.frequencyHz = hz
    if (pv) {
      reading.pvPowerW = Math.max(0, this.need(pv.values, 'pvPowerW'))
      const pvWh = pv.values[I.pvEnergyWh]!
      if (!Number.isNaN(pvWh)) reading.pvEnergyWh = this.counter('pvEnergyWh', pvWh, timestampMs)
    }
    return reading
  }

  private need(values: Decoded, q: Quantity): number {
    const v = values[I[q]]!
    if (Number.isNaN(v)) {
      throw new MeterError(`${this.name} reports ${q} as not available`, { code: 'NOT_AVAILABLE', field: q })
    }
    return v
  }

  /** The counter value to report; the common case is kept small so that it is inlined into `normalise`. */
  private counter(q: CounterQuantity, rawWh: number, atMs: number): number {
    const guard = this.guards[q]
    return guard.advance(rawWh, atMs) ?? this.judgeCounter(guard, q, rawWh, atMs)
  }

  /** A first value, a glitch or a new level: the guard's full verdict. */
  private judgeCounter(guard: CounterGuard, q: CounterQuantity, rawWh: number, atMs: number): number {
    const verdict = guard.check(rawWh, atMs)
    if (verdict.ok) {
      if (verdict.rebased) this.logger?.warn({ device: this.name, counter: q, rawWh }, 'meter counter re-based')
      return verdict.valueWh
    }
    const range = verdict.range && { min: Math.round(verdict.range.min), max: Math.round(verdict.range.max) }
    throw new MeterError(`${this.name}: ${q} glitch rejected`, {
      code: 'GLITCH',
      field: q,
      value: rawWh,
      ...(range && { expected: { ...range, unit: 'Wh' } }),
      details:
        `${verdict.reason}: raw ${rawWh} Wh after ${verdict.lastWh} Wh` +
        (range
          ? `; the meter could have reached ${range.min}..${range.max} Wh since (maxPowerW ${this.maxPowerW} W)`
          : ''),
      hint: 'a transient glitch is dropped; a level that persists is taken over (meter replaced or reset)',
    })
  }
}

const I = QUANTITY_INDEX

function readPhases(values: Decoded, sign: number): Reading['phases'] {
  const l1 = phase(values[I.activePowerL1W]!, values[I.voltageL1V]!, values[I.currentL1A]!, sign)
  const l2 = phase(values[I.activePowerL2W]!, values[I.voltageL2V]!, values[I.currentL2A]!, sign)
  const l3 = phase(values[I.activePowerL3W]!, values[I.voltageL3V]!, values[I.currentL3A]!, sign)
  if (l1 && l2 && l3) return { l1, l2, l3 }
  if (!l1 && !l2 && !l3) return undefined
  const phases: NonNullable<Reading['phases']> = {}
  if (l1) phases.l1 = l1
  if (l2) phases.l2 = l2
  if (l3) phases.l3 = l3
  return phases
}

/**
 * One phase's values (NaN: absent), built in one literal when all are there (the usual case: one object shape, no
 * growing).
 */
function phase(w: number, v: number, a: number, sign: number): PhaseValues | undefined {
  const hasW = !Number.isNaN(w)
  const hasV = !Number.isNaN(v)
  const hasA = !Number.isNaN(a)
  if (hasW && hasV && hasA) return { powerW: sign * w, voltageV: v, currentA: a }
  if (!hasW && !hasV && !hasA) return undefined
  const p: PhaseValues = {}
  if (hasW) p.powerW = sign * w
  if (hasV) p.voltageV = v
  if (hasA) p.currentA = a
  return p
}

function meterMetrics(registry: Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make()
  return {
    errors: get(
      'gridlet_meter_errors_total',
      () =>
        new Counter({
          name: 'gridlet_meter_errors_total',
          help: 'Failed meter reads by device and error code',
          labelNames: ['device', 'code'] as const,
          registers: [registry],
        }),
    ),
    readings: get(
      'gridlet_meter_readings_total',
      () =>
        new Counter({
          name: 'gridlet_meter_readings_total',
          help: 'Good meter readings by device',
          labelNames: ['device'] as const,
          registers: [registry],
        }),
    ),
  }
}
