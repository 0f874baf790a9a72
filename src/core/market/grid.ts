import type { Address } from 'viem'
import { GridletError } from '../errors.js'

/** Network levels a trade's energy crosses: 0 same feeder, 1 same transformer (another feeder), 2 upstream. */
export type GridLevel = 0 | 1 | 2

/** A bound on the flow the market schedules through one element in one interval, each direction, Wh. */
export interface FlowLimit {
  /** Into the element's area (its households buy from outside it). */
  readonly importWh: bigint
  /** Out of the element's area (its households sell outside it). */
  readonly exportWh: bigint
}

/**
 * What the clearing needs to know of the distribution network for one interval (the network model itself lives
 * elsewhere and is mapped onto this): where each account connects, the network fee per level and the limits.
 * Every node must pass the same data: it is part of the deterministic clearing.
 *
 * @example
 * const grid: GridClearing = {
 *   feederOf: (a) => feeders.get(a.toLowerCase()), // 0..2, or undefined for an account off this network
 *   transformerOf: [0, 0, 0],
 *   feePerWh: [0n, 20n, 60n],
 *   feeRecipient: '0x00000000000000000000000000000000000000d5',
 *   limits: { feeders: [{ importWh: 50_000n, exportWh: 30_000n }, …] },
 * }
 */
export interface GridClearing {
  /**
   * Feeder index of an account; undefined: not on this network (its trades count as upstream). Must be pure: the
   * clearing asks it once per account and remembers the answer for later clearings (feederMemo.ts).
   */
  readonly feederOf: (account: Address) => number | undefined
  /** Transformer index of each feeder, by feeder index. */
  readonly transformerOf: readonly number[]
  /** Network fee per Wh traded, token units, by level: [same feeder, same transformer, upstream], non-decreasing. */
  readonly feePerWh: readonly [bigint, bigint, bigint]
  /** Who is paid the fees (e.g. the grid operator). */
  readonly feeRecipient: Address
  /** Flow limits of this interval by feeder and by transformer index; an element left out is not limited. */
  readonly limits?: {
    readonly feeders?: readonly (FlowLimit | undefined)[]
    readonly transformers?: readonly (FlowLimit | undefined)[]
  }
}

/** Throws CLEARING_GRID naming the field when the grid input cannot be cleared with. */
export function checkGrid(grid: GridClearing): void {
  const [f0, f1, f2] = grid.feePerWh
  if (grid.feePerWh.length !== 3 || f0 < 0n || f1 < f0 || f2 < f1) {
    throw gridError('feePerWh', `fees must be 3 non-negative, non-decreasing values, got ${grid.feePerWh.join(', ')}`)
  }
  grid.transformerOf.forEach((t, f) => {
    if (!Number.isSafeInteger(t) || t < 0) throw gridError(`transformerOf[${f}]`, `not a transformer index: ${t}`)
  })
  const check = (kind: 'feeders' | 'transformers', count: number) =>
    (grid.limits?.[kind] ?? []).forEach((l, i) => {
      if (l === undefined) return
      if (i >= count) throw gridError(`limits.${kind}[${i}]`, `no such element (${count} known)`)
      if (l.importWh < 0n || l.exportWh < 0n) throw gridError(`limits.${kind}[${i}]`, 'limits must be non-negative')
    })
  check('feeders', grid.transformerOf.length)
  check('transformers', Math.max(0, ...grid.transformerOf) + 1)
}

function gridError(field: string, details: string): GridletError {
  return new GridletError('invalid grid input for the clearing', { code: 'CLEARING_GRID', field, details })
}
