import { GridletError } from '../errors.js'
import type { GridNetwork } from './types.js'

/**
 * A validated network in array form, ready for the power flow: buses by index, each non-root bus with the bus
 * above it and the line between them, in breadth-first order from the transformer's busbar (parents before
 * children), and each bus's feeder (the subtree under one line leaving the busbar).
 */
export interface CompiledNetwork {
  readonly network: GridNetwork
  readonly busIds: readonly string[]
  readonly busIndex: ReadonlyMap<string, number>
  /** Index of the transformer's LV busbar. */
  readonly root: number
  /** Every bus, parents before children; `order[0] === root`. */
  readonly order: Int32Array
  /** Bus above each bus (-1 for the root). */
  readonly parent: Int32Array
  /** Index into `network.lines` of the line feeding each bus (-1 for the root). */
  readonly parentLine: Int32Array
  /** Feeder index of each bus (-1 for the busbar). */
  readonly feederOfBus: Int32Array
  /** One per line leaving the busbar, in the order of `network.lines`. */
  readonly feeders: readonly { readonly id: string; readonly line: number }[]
  /** Bus of each household, in the order of `network.households`. */
  readonly householdBus: Int32Array
  readonly householdIndex: ReadonlyMap<string, number>
}

/**
 * Checks the topology of a parsed network and compiles it: unique ids, lines and households on known buses, the
 * lines forming one tree (radial: no loop, no parallel line) that reaches every bus from the transformer. The error
 * names the offending element (`CONFIG_GRID_DUPLICATE`, `CONFIG_GRID_UNKNOWN_BUS`, `CONFIG_GRID_NOT_RADIAL`,
 * `CONFIG_GRID_DISCONNECTED`, `CONFIG_GRID_NO_HOUSEHOLD`).
 *
 * @example
 * const c = compileNetwork(parseNetwork(json))
 * c.feeders.length // lines leaving the busbar
 */
export function compileNetwork(net: GridNetwork): CompiledNetwork {
  const busIndex = new Map<string, number>()
  for (const [i, b] of net.buses.entries()) {
    if (busIndex.has(b.id)) fail('CONFIG_GRID_DUPLICATE', `buses[${i}].id`, `bus "${b.id}" is listed twice`)
    busIndex.set(b.id, i)
  }
  const n = net.buses.length
  const busOf = (id: string, field: string, what: string): number => {
    const i = busIndex.get(id)
    if (i === undefined) fail('CONFIG_GRID_UNKNOWN_BUS', field, `${what} names unknown bus "${id}"`)
    return i
  }
  const root = busOf(net.transformer.bus, 'transformer.bus', `transformer "${net.transformer.id}"`)
  const adjacency: number[][] = Array.from({ length: n }, () => [])
  const lineIds = new Set<string>()
  for (const [i, l] of net.lines.entries()) {
    if (lineIds.has(l.id)) fail('CONFIG_GRID_DUPLICATE', `lines[${i}].id`, `line "${l.id}" is listed twice`)
    lineIds.add(l.id)
    const a = busOf(l.from, `lines[${i}].from`, `line "${l.id}"`)
    const b = busOf(l.to, `lines[${i}].to`, `line "${l.id}"`)
    if (a === b) fail('CONFIG_GRID_NOT_RADIAL', `lines[${i}]`, `line "${l.id}" connects bus "${l.from}" to itself`)
    adjacency[a]!.push(i)
    adjacency[b]!.push(i)
  }
  const parent = new Int32Array(n).fill(-1)
  const parentLine = new Int32Array(n).fill(-1)
  const feederOfBus = new Int32Array(n).fill(-1)
  const seen = new Uint8Array(n)
  const order = new Int32Array(n)
  const feeders: { id: string; line: number }[] = []
  order[0] = root
  seen[root] = 1
  let filled = 1
  for (let head = 0; head < filled; head++) {
    const u = order[head]!
    for (const li of adjacency[u]!) {
      if (li === parentLine[u]) continue
      const l = net.lines[li]!
      const v = busIndex.get(l.from) === u ? busIndex.get(l.to)! : busIndex.get(l.from)!
      if (seen[v])
        fail('CONFIG_GRID_NOT_RADIAL', `lines[${li}]`, `line "${l.id}" closes a loop: the network must be a tree`)
      seen[v] = 1
      parent[v] = u
      parentLine[v] = li
      if (u === root) {
        feederOfBus[v] = feeders.length
        feeders.push({ id: l.id, line: li })
      } else feederOfBus[v] = feederOfBus[u]!
      order[filled++] = v
    }
  }
  if (filled < n) {
    const lost = net.buses.find((_, i) => !seen[i])!
    fail(
      'CONFIG_GRID_DISCONNECTED',
      'buses',
      `bus "${lost.id}" is not reached from transformer "${net.transformer.id}"`,
    )
  }
  if (net.households.length === 0) fail('CONFIG_GRID_NO_HOUSEHOLD', 'households', 'the network connects no household')
  const householdBus = new Int32Array(net.households.length)
  const householdIndex = new Map<string, number>()
  for (const [i, h] of net.households.entries()) {
    if (householdIndex.has(h.id))
      fail('CONFIG_GRID_DUPLICATE', `households[${i}].id`, `household "${h.id}" is connected twice`)
    householdIndex.set(h.id, i)
    householdBus[i] = busOf(h.bus, `households[${i}].bus`, `household "${h.id}"`)
  }
  return {
    network: net,
    busIds: net.buses.map((b) => b.id),
    busIndex,
    root,
    order,
    parent,
    parentLine,
    feederOfBus,
    feeders,
    householdBus,
    householdIndex,
  }
}

function fail(code: string, field: string, why: string): never {
  throw new GridletError(`invalid network: ${why}`, { code, field })
}
