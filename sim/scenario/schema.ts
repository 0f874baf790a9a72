import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { GridletError } from '../../src/core/errors.js'
import { MODEL_NAMES } from '../../src/core/forecast/types.js'
import { CLEARING_RULES, type ClearingRule } from '../../src/core/market/index.js'
import { STRATEGY_NAMES } from '../../src/core/strategy/createStrategy.js'
import { networkSection } from '../grid/networkSection.js'

/**
 * A scenario: everything a simulation run depends on. Together with its `seed` it fixes every order, trade and
 * result root, in fast mode and in network mode alike. Every field is documented in docs/simulation.md.
 */

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/

/** One time-of-use band: `price` (token units per kWh) from `from` (inclusive) to `to` (exclusive), local time. */
const touBand = z.object({
  from: z.string().regex(HHMM, 'expected HH:MM'),
  to: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected HH:MM or 24:00'),
  price: z.number().int().positive(),
})

/** A price: a flat number, or time-of-use bands that cover the whole day. */
const price = z.union([z.number().int().nonnegative(), z.array(touBand).min(1)])

const range = z
  .object({ min: z.number().nonnegative(), max: z.number().nonnegative() })
  .refine((r) => r.max >= r.min, { message: 'max must be >= min' })

/** A flexible load some households have: `kWhPerDay` due each day between `from` and `due` (local), at most `kW`. */
const dailyLoad = (defaults: { kWhPerDay: number; kW: number; from: string; due: string }) =>
  z.object({
    /** Share of households that have it, 0..1; which ones is drawn from the seed. */
    share: z.number().min(0).max(1).default(0),
    kWhPerDay: z.number().positive().default(defaults.kWhPerDay),
    kW: z.number().positive().default(defaults.kW),
    /** Local time it can start (plug-in, the off-peak relay) and is due by (the next day when not later). */
    from: z.string().regex(HHMM, 'expected HH:MM').default(defaults.from),
    due: z.string().regex(HHMM, 'expected HH:MM').default(defaults.due),
  })

const fault = z.discriminatedUnion('kind', [
  /** The household's node is down: it sends no orders; its meter still runs and its deviation is settled. */
  z.object({
    kind: z.literal('offline'),
    households: z.array(z.number().int().nonnegative()).min(1),
    fromInterval: z.number().int().nonnegative(),
    toInterval: z.number().int().nonnegative(),
  }),
  /** The household signs two different orders for the same slot: all of its orders there are excluded. */
  z.object({
    kind: z.literal('equivocate'),
    households: z.array(z.number().int().nonnegative()).min(1),
    fromInterval: z.number().int().nonnegative(),
    toInterval: z.number().int().nonnegative(),
  }),
])

/**
 * A core forecasting model (src/core/forecast, docs/forecasting.md), or `perfect`: an oracle that knows the
 * household's metered import and export of the coming intervals.
 */
export const FORECAST_MODELS = ['perfect', ...MODEL_NAMES] as const
const forecastModel = z.enum(FORECAST_MODELS)

/** A core strategy (src/core/strategy) by name; `zi` draws its limits from the scenario seed and the household. */
const strategy = z.object({ name: z.enum(STRATEGY_NAMES).default('truthful') })

export const rules = CLEARING_RULES
export type Rule = ClearingRule

export const scenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
    description: z.string().default(''),
    seed: z
      .number()
      .int()
      .nonnegative()
      .max(2 ** 32 - 1),
    period: z.object({
      /** First interval's start, ISO 8601 UTC; must be aligned to the interval length. */
      start: z.iso.datetime(),
      days: z.number().int().min(1).max(366),
      /** Run only the first N intervals of the period (short demos and tests); default: all. */
      intervals: z.number().int().min(1).optional(),
    }),
    intervalMinutes: z.union([z.literal(15), z.literal(30), z.literal(60)]).default(30),
    market: z
      .object({
        name: z.string().min(1).default('gridlet-sim'),
        rule: z.enum(rules).default('k-da'),
        /** k of the k-double auction as a fraction num/den in [0,1]. */
        k: z
          .object({ num: z.number().int().nonnegative(), den: z.number().int().positive() })
          .refine((k) => k.num <= k.den, { message: 'k must be <= 1' })
          .default({ num: 1, den: 2 }),
        gateClosureS: z.number().int().nonnegative().default(60),
        chainId: z.number().int().positive().default(31337),
      })
      .prefault({}),
    tariff: z.object({
      /** UTC offset of the local time the time-of-use bands are written in (hours; Sydney standard time = 10). */
      utcOffsetHours: z.number().int().min(-12).max(14).default(10),
      /** Price of energy bought from the retailer, token units per kWh. */
      retail: price,
      /** Price paid for energy exported to the grid, token units per kWh. */
      feedIn: price,
    }),
    households: z.object({
      count: z.number().int().min(2).max(10_000),
      loads: z
        .object({
          /** SGSC households eligible as load sources: those with at least this many whole days of data. */
          minCoverageDays: z.number().int().min(1).default(60),
          /** Days added to the period for every full pass over the eligible homes (see docs). */
          reuseOffsetDays: z.number().int().default(7),
          /** Multiply each home's load by a factor drawn uniformly from this range (1..1 keeps the real data). */
          scale: range.default({ min: 1, max: 1 }),
        })
        .prefault({}),
      pv: z
        .object({
          /** Share of households with rooftop PV, 0..1; which ones is drawn from the seed. */
          share: z.number().min(0).max(1).default(0.3),
          kWp: range.default({ min: 2, max: 6 }),
        })
        .prefault({}),
      battery: z
        .object({
          /** Share of PV households that also have a battery, 0..1. */
          shareOfPv: z.number().min(0).max(1).default(0),
          capacityWh: z.number().int().positive().default(10_000),
          powerW: z.number().int().positive().default(5_000),
          /** Round-trip efficiency, applied on charge. */
          efficiency: z.number().gt(0).max(1).default(0.9),
        })
        .prefault({}),
      /**
       * Flexible loads on top of the real ones (docs/simulation.md): run at full power from their start (`fixed`)
       * or each day's need planned at least expected cost from the household's own forecast and the tariff.
       */
      flexible: z
        .object({
          plan: z.enum(['fixed', 'flexible']).default('flexible'),
          /** An off-peak hot-water tank: on from 22:00, its day's heat due by the next 22:00. */
          hotWater: dailyLoad({ kWhPerDay: 6, kW: 3.6, from: '22:00', due: '22:00' }).prefault({}),
          /** An EV charged at home: plugged in on arrival, needed by departure. */
          ev: dailyLoad({ kWhPerDay: 7, kW: 7.2, from: '17:30', due: '07:30' }).prefault({}),
        })
        .prefault({}),
      /** Forecasting model of every household (unless a group says otherwise): see `forecastModel`. */
      forecast: forecastModel.default('seasonal-naive'),
      /** Bidding strategy of every household (unless a group says otherwise): see `strategy`. */
      strategy: strategy.prefault({}),
      /** Households that use another model or strategy than the defaults above (later groups win). */
      groups: z
        .array(
          z.object({
            households: z.array(z.number().int().nonnegative()).min(1),
            forecast: forecastModel.optional(),
            strategy: strategy.optional(),
          }),
        )
        .default([]),
    }),
    faults: z.array(fault).default([]),
    /** The low-voltage network and its power flow (sim/grid/networkSection.ts, docs/grid.md); absent: none. */
    network: networkSection.optional(),
    /** Rules `gridlet sim compare` runs this scenario under. */
    compare: z.array(z.enum(rules)).default([...rules]),
    output: z
      .object({
        /** all: one CSV row per trade; summary: only per-interval prices and volumes (for long runs). */
        trades: z.enum(['all', 'summary']).default('all'),
      })
      .prefault({}),
  })
  .superRefine((s, ctx) => {
    const startMs = Date.parse(s.period.start)
    if (startMs % (s.intervalMinutes * 60_000) !== 0) {
      ctx.addIssue({ code: 'custom', path: ['period', 'start'], message: 'must be aligned to the interval length' })
    }
    for (const [i, g] of s.households.groups.entries()) {
      for (const h of g.households) {
        if (h >= s.households.count) {
          ctx.addIssue({
            code: 'custom',
            path: ['households', 'groups', i, 'households'],
            message: `no household ${h}`,
          })
        }
      }
    }
    if (s.network?.feeders !== undefined && s.network.feeders > s.households.count) {
      ctx.addIssue({ code: 'custom', path: ['network', 'feeders'], message: 'more feeders than households' })
    }
    for (const [i, f] of s.faults.entries()) {
      if (f.toInterval < f.fromInterval) {
        ctx.addIssue({ code: 'custom', path: ['faults', i, 'toInterval'], message: 'must be >= fromInterval' })
      }
      for (const h of f.households) {
        if (h >= s.households.count) {
          ctx.addIssue({ code: 'custom', path: ['faults', i, 'households'], message: `no household ${h}` })
        }
      }
    }
  })

export type Scenario = z.output<typeof scenarioSchema>
export type ScenarioInput = z.input<typeof scenarioSchema>
export type Price = z.output<typeof price>

/**
 * Validates a scenario object; the error names the first offending field.
 *
 * @example
 * const s = parseScenario({ name: 'x', seed: 1, period: { start: '2013-01-15T00:00:00Z', days: 1 }, ... })
 */
export function parseScenario(input: unknown): Scenario {
  const r = scenarioSchema.safeParse(input)
  if (r.success) return r.data
  const issue = r.error.issues[0]
  const field = issue ? issue.path.join('.') : ''
  throw new GridletError(`invalid scenario: ${field}: ${issue?.message ?? 'unknown'}`, {
    code: 'SIM_SCENARIO',
    field,
    details: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  })
}

/** Reads and validates a scenario file (.yaml, .yml or .json). */
export function loadScenario(path: string): Scenario {
  let raw: unknown
  try {
    const text = readFileSync(path, 'utf8')
    raw = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text)
  } catch (cause) {
    throw new GridletError(`cannot read scenario ${path}`, { code: 'SIM_SCENARIO_READ', cause })
  }
  return parseScenario(raw)
}

export type ForecastChoice = (typeof FORECAST_MODELS)[number]
export type StrategyChoice = z.output<typeof strategy>

/** The forecasting model and strategy household `h` uses: the defaults, overridden by the last group naming it. */
export function householdChoice(s: Scenario, h: number): { forecast: ForecastChoice; strategy: StrategyChoice } {
  let forecast = s.households.forecast
  let strat = s.households.strategy
  for (const g of s.households.groups) {
    if (!g.households.includes(h)) continue
    forecast = g.forecast ?? forecast
    strat = g.strategy ?? strat
  }
  return { forecast, strategy: strat }
}

/** Number of market intervals in the scenario's period. */
export function intervalCount(s: Scenario): number {
  const all = (s.period.days * 24 * 60) / s.intervalMinutes
  return Math.min(all, s.period.intervals ?? all)
}

/** Market interval id of the period's first interval (unix seconds / interval length). */
export function firstInterval(s: Scenario): number {
  return Date.parse(s.period.start) / 1000 / (s.intervalMinutes * 60)
}
