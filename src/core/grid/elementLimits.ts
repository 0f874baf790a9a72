import type { CompiledNetwork } from './compileNetwork.js'

/** A bound on the net energy through one element in one interval, each direction, whole Wh. */
export interface ElementFlowLimit {
  /** Into the element's area from upstream (its households import). */
  readonly importWh: number
  /** Out of its area (its households export). */
  readonly exportWh: number
}

/** The flow limit of every element of a network for one interval: each line and the transformer. */
export interface ElementLimits {
  /** By line, in the order of `network.lines`. */
  readonly lines: readonly ElementFlowLimit[]
  readonly transformer: ElementFlowLimit
}

/**
 * A limit pair as a signed operating envelope or the clearing's grid input carries it (the shape of the market's
 * `FlowLimit`, bigint Wh); declared here so the network layer does not depend on the market.
 */
export interface EnvelopeFlowLimit {
  readonly importWh: bigint
  readonly exportWh: bigint
}

/**
 * Each element's thermal rating as its limit for intervals of `intervalS` seconds, both directions: a line's
 * three-phase `sqrt(3) * U * I_max`, the transformer's kVA (unity power factor), times the interval, floored to whole
 * Wh (the same figures `gridLevels` gives the clearing for the feeder heads and the transformer).
 *
 * @example
 * const limits = ratingLimits(compileNetwork(net), 1800)
 * limits.transformer.exportWh // 50_000 for a 100 kVA transformer
 */
export function ratingLimits(c: CompiledNetwork, intervalS: number): ElementLimits {
  const hours = intervalS / 3600
  const net = c.network
  const both = (wh: number): ElementFlowLimit => ({ importWh: wh, exportWh: wh })
  return {
    lines: net.lines.map((l) => both(Math.floor(Math.sqrt(3) * net.voltageKv * 1000 * l.ampacityA * hours))),
    transformer: both(Math.floor(net.transformer.ratingKva * 1000 * hours)),
  }
}

/**
 * The limits with those of an operating envelope (or of the clearing's grid input: `GridClearing.limits`) in place:
 * feeder f's value replaces the limit of its head line (`c.feeders[f]`), transformer 0's the transformer's. An
 * element the envelope leaves out keeps its rating. Values beyond 2^31 - 1 Wh are clamped (no LV element carries
 * that in an interval).
 *
 * @example
 * const now = withEnvelope(c, ratingLimits(c, 1800), applyEnvelope(grid, signed, expect).limits)
 */
export function withEnvelope(
  c: CompiledNetwork,
  base: ElementLimits,
  envelope:
    | {
        readonly feeders?: readonly (EnvelopeFlowLimit | undefined)[]
        readonly transformers?: readonly (EnvelopeFlowLimit | undefined)[]
      }
    | undefined,
): ElementLimits {
  if (envelope === undefined) return base
  const lines = [...base.lines]
  c.feeders.forEach((f, i) => {
    const e = envelope.feeders?.[i]
    if (e !== undefined) lines[f.line] = toWh(e)
  })
  const t = envelope.transformers?.[0]
  return { lines, transformer: t === undefined ? base.transformer : toWh(t) }
}

const MAX_WH = 2 ** 31 - 1
const clampWh = (x: bigint): number => (x < 0n ? 0 : x > BigInt(MAX_WH) ? MAX_WH : Number(x))
const toWh = (e: EnvelopeFlowLimit): ElementFlowLimit => ({
  importWh: clampWh(e.importWh),
  exportWh: clampWh(e.exportWh),
})
