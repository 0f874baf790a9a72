import type { Order, VerifiedOrder } from '../../src/core/order/types.js'
import type { MarketNetwork } from '../../src/node/ports.js'
import { type FaultKind, faultAt } from '../scenario/faults.js'
import type { Scenario } from '../scenario/schema.js'
import { equivocatingNetwork } from './equivocatingNetwork.js'
import { offlineNetwork } from './offlineNetwork.js'

export interface FaultyNetworkInit {
  readonly scenario: Scenario
  /** The household. */
  readonly h: number
  /** Market interval id of the period's first interval (fault intervals count from it). */
  readonly firstInterval: number
  /** Signs with the household's key (for the twins of an equivocation). */
  readonly sign: (order: Order) => VerifiedOrder
}

/**
 * The scenario's faults of one household as wrappers of its node's network port (the only place network mode
 * injects them: the node, its decider and its p2p node know nothing of faults). A household in no fault gets
 * `inner` itself.
 *
 * @example
 * network: (ctx) => faultyNetwork(p2pNetwork(...), { scenario, h, firstInterval, sign })
 */
export function faultyNetwork(inner: MarketNetwork, init: FaultyNetworkInit): MarketNetwork {
  const { scenario: s, h, firstInterval } = init
  const mine = s.faults.filter((f) => f.households.includes(h))
  const at = (kind: FaultKind) => (interval: number) => faultAt(s, kind, h, interval - firstInterval)
  let out = inner
  if (mine.some((f) => f.kind === 'equivocate')) out = equivocatingNetwork(out, at('equivocate'), init.sign)
  if (mine.some((f) => f.kind === 'offline')) out = offlineNetwork(out, at('offline'))
  return out
}
