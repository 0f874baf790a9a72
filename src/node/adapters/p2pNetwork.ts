import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { type Address, getAddress, type Hex } from 'viem'
import type { LoadedConfig } from '../../config/loadConfig.js'
import { GridletError } from '../../core/errors.js'
import type { EscrowCover } from '../../core/market/coverEscrow.js'
import type { MarketDomain, VerifiedOrder } from '../../core/order/types.js'
import type { Clock } from '../../core/time/clock.js'
import type { MarketTime } from '../../core/time/interval.js'
import type { HouseholdRegistry } from '../../p2p/binding.js'
import { type AgreementTiming, createMarketNode, type MarketNode } from '../../p2p/createMarketNode.js'
import type { MarketNetwork, NetworkOutcome } from '../ports.js'
import { takeEnvelope } from './envelopeIntake.js'
import { marketGridOf } from './marketGrid.js'

export interface P2pNetworkInit {
  privateKey: Hex
  domain: MarketDomain
  market: Hex
  time: MarketTime
  clock: Clock
  config: LoadedConfig
  /** Registered household accounts: the base of every quorum (a fixed list, or the chain's registry followed live). */
  households: readonly Address[] | HouseholdRegistry
  /** The escrow cover of an interval, applied before clearing (the chain view's `escrow`). */
  escrow?: (interval: bigint) => EscrowCover | undefined
  timing?: Partial<AgreementTiming>
  registry?: Registry
  logger?: Logger
  libp2p?: { inboundConnectionThreshold?: number; maxConnections?: number; ipColocationWeight?: number }
}

/**
 * The libp2p market as the node's network: gossip of signed orders, digest reconciliation at gate closure and a
 * result quorum (src/p2p). Outcomes, not local roots, decide what is settled.
 *
 * @example
 * const network = p2pNetwork({ privateKey, domain, market, time, clock, config, households })
 */
export function p2pNetwork(init: P2pNetworkInit): MarketNetwork & { node(): MarketNode | undefined } {
  const registry: HouseholdRegistry = Array.isArray(init.households)
    ? fixedRegistry(init.households as readonly Address[])
    : (init.households as HouseholdRegistry)
  let node: MarketNode | undefined
  const orderHandlers: ((o: VerifiedOrder) => void)[] = []
  const outcomeHandlers: ((o: NetworkOutcome) => void)[] = []
  const { config } = init
  const grid = marketGridOf(config, { domain: init.domain, market: init.market, time: init.time })
  return {
    node: () => node,
    async start() {
      node = await createMarketNode({
        privateKey: init.privateKey,
        domain: init.domain,
        market: init.market,
        marketTime: init.time,
        clock: init.clock,
        registry,
        clearing: {
          rule: config.market.rule,
          k: { num: BigInt(config.market.k.num), den: BigInt(config.market.k.den) },
          retailPrice: config.market.retailPrice,
          feedInPrice: config.market.feedInPrice,
        },
        listen: config.p2p.listen,
        bootstrap: config.p2p.bootstrap,
        mdns: config.p2p.mdns,
        maxOrdersPerInterval: config.market.maxOrdersPerInterval,
        ...(init.escrow ? { escrow: init.escrow } : {}),
        ...(grid ? { grid } : {}),
        ...(init.timing ? { timing: init.timing } : {}),
        ...(init.registry ? { metrics: init.registry } : {}),
        ...(init.logger ? { logger: init.logger } : {}),
        ...(init.libp2p ? { libp2p: init.libp2p } : {}),
      })
      node.onOrder((o, source) => {
        if (source !== 'local') for (const h of orderHandlers) h(o)
      })
      node.onResult((o) => {
        const outcome: NetworkOutcome = {
          interval: Number(o.interval),
          result: o.result,
          orders: o.orders,
          agreed: o.agreed,
          votesForRoot: o.quorum.votesForRoot,
          voters: o.quorum.voters,
          attestations: o.quorum.attestations,
        }
        for (const h of outcomeHandlers) h(outcome)
      })
      await node.start()
    },
    async stop() {
      await node?.stop()
    },
    async publishOrder(order) {
      if (!node) throw new GridletError('the p2p network is not started', { code: 'NODE_P2P_NOT_STARTED' })
      await node.submitOrder(order)
    },
    onOrder: (h) => orderHandlers.push(h),
    onOutcome: (h) => outcomeHandlers.push(h),
    peerCount: () => node?.stats().peers ?? 0,
    publishEnvelope: (signed) => takeEnvelope({ book: grid?.envelopes, node }, signed),
  }
}

function fixedRegistry(households: readonly Address[]): HouseholdRegistry {
  const set = new Set(households.map((a) => getAddress(a)))
  return { size: set.size, has: (a) => set.has(getAddress(a)) }
}
