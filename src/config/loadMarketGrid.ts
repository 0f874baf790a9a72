import { readFileSync } from 'node:fs'
import { type Address, getAddress, isAddress } from 'viem'
import { parse as parseYaml } from 'yaml'
import { GridletError } from '../core/errors.js'
import { compileNetwork, type GridLevels, type GridNetwork, gridLevels, parseNetwork } from '../core/grid/index.js'
import type { GridClearing } from '../core/market/grid.js'
import type { GridConfig } from './gridSchema.js'

/** A node's grid-aware clearing, built once from `market.grid` and its network file. */
export interface NodeGrid {
  readonly network: GridNetwork
  /** The feeders (in the clearing's index order, with their ratings per interval) and the transformer. */
  readonly levels: GridLevels
  /** Fees, connection points and (with `capacity`) each element's rating per interval as its limit. */
  readonly clearing: GridClearing
  /** The grid operator whose envelopes replace the limits per interval, if the market has one. */
  readonly operator?: Address
  readonly leadIntervals: number
  readonly maxAheadIntervals: number
}

/**
 * Reads the network file of `market.grid` (path absolute, as `parseConfig` leaves it) and builds the clearing's
 * grid input from it (`gridClearingFor`). Throws CONFIG_INVALID naming `market.grid.network` (the network's element
 * in the details) or `market.grid.connections.<account>`.
 *
 * @example
 * const grid = loadMarketGrid(config.market.grid, config.market.intervalS)
 * clear(orders, params, cancels, grid.clearing)
 */
export function loadMarketGrid(g: GridConfig, intervalS: number): NodeGrid {
  const network = readNetwork(g.network)
  const levels = levelsOf(network, intervalS, g.network)
  return {
    network,
    levels,
    clearing: gridClearingFor(network, g, intervalS, g.network, levels),
    ...(g.operator ? { operator: getAddress(g.operator) } : {}),
    leadIntervals: g.envelopeLeadIntervals,
    maxAheadIntervals: g.envelopeMaxAheadIntervals,
  }
}

/** What the clearing's grid input is built from: `market.grid` less the file and the operator's envelopes. */
export type GridClearingConfig = Pick<GridConfig, 'fees' | 'feeRecipient' | 'capacity' | 'connections'>

/**
 * The clearing's grid input for a parsed network: each account's feeder (listed by account in the network's
 * households, or mapped to one of its connection points by `connections`), every feeder on transformer 0 (a
 * network has one), the fees by level and, with `capacity`, each feeder's and the transformer's rating over one
 * interval as its limit in both directions. The one implementation: the node's `loadMarketGrid` and the
 * simulator's fast mode (sim/grid/marketGrid.ts) both clear with it. `source` names the network in errors.
 * Throws CONFIG_INVALID naming `market.grid.network` (the element in the details) or
 * `market.grid.connections.<account>`.
 *
 * @example
 * const clearing = gridClearingFor(network, { fees: [0n, 20n, 60n], feeRecipient, capacity: true, connections: {} }, 900)
 */
export function gridClearingFor(
  network: GridNetwork,
  g: GridClearingConfig,
  intervalS: number,
  source = network.name,
  levels = levelsOf(network, intervalS, source),
): GridClearing {
  const feederIndex = new Map(levels.feeders.map((f, i) => [f.id, i]))
  const feederOfConnection = (id: string) => {
    const f = levels.feederOf(id)
    return f === undefined ? undefined : feederIndex.get(f)
  }
  const feeders = new Map<string, number>()
  for (const h of network.households) {
    const f = feederOfConnection(h.id)
    if (isAddress(h.id, { strict: false }) && f !== undefined) feeders.set(h.id.toLowerCase(), f)
  }
  const known = new Set(network.households.map((h) => h.id))
  const taken = new Map<string, string>()
  for (const [account, id] of Object.entries(g.connections)) {
    const field = `market.grid.connections.${account}`
    if (!known.has(id)) {
      throw connectionError(field, 'unknown connection point', `"${id}" is not in the household list of ${source}`)
    }
    const other = taken.get(id)
    if (other !== undefined) {
      throw connectionError(field, 'connection point taken twice', `"${id}" is already that of ${other}`)
    }
    taken.set(id, account)
    const f = feederOfConnection(id)
    if (f === undefined) feeders.delete(account.toLowerCase())
    else feeders.set(account.toLowerCase(), f)
  }
  const both = (wh: number) => ({ importWh: BigInt(wh), exportWh: BigInt(wh) })
  return {
    feederOf: (a) => feeders.get(a.toLowerCase()),
    transformerOf: levels.feeders.map(() => 0),
    feePerWh: g.fees,
    feeRecipient: getAddress(g.feeRecipient),
    ...(g.capacity
      ? {
          limits: {
            feeders: levels.feeders.map((f) => both(f.limitWh)),
            transformers: [both(levels.transformer.limitWh)],
          },
        }
      : {}),
  }
}

/** The network's feeders and transformer with their ratings over one interval; CONFIG_INVALID naming `source`. */
function levelsOf(network: GridNetwork, intervalS: number, source: string): GridLevels {
  try {
    return gridLevels(compileNetwork(network), intervalS)
  } catch (err) {
    throw networkError(source, err)
  }
}

/** Reads and shape-checks a network file (YAML, of which JSON is a subset). */
function readNetwork(path: string): GridNetwork {
  let raw: unknown
  try {
    raw = parseYaml(readFileSync(path, 'utf8'))
  } catch (cause) {
    throw new GridletError(`cannot read the network file ${path}`, {
      code: 'CONFIG_INVALID',
      field: 'market.grid.network',
      details: (cause as Error).message,
      cause,
    })
  }
  try {
    return parseNetwork(raw)
  } catch (err) {
    throw networkError(path, err)
  }
}

function networkError(path: string, err: unknown): GridletError {
  const e = err instanceof GridletError ? err : undefined
  return new GridletError(`invalid network file ${path}`, {
    code: 'CONFIG_INVALID',
    field: 'market.grid.network',
    details: e ? `${e.field ?? 'network'}: ${e.shortMessage}${e.details ? ` (${e.details})` : ''}` : String(err),
    cause: err,
  })
}

function connectionError(field: string, shortMessage: string, details: string): GridletError {
  return new GridletError(shortMessage, { code: 'CONFIG_INVALID', field, details })
}
