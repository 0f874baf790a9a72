import type { Address, Hex } from 'viem'
import type { Trade } from '../../src/core/market/types.js'
import type { MarketDomain, VerifiedOrder } from '../../src/core/order/types.js'
import type { MarketTime } from '../../src/core/time/interval.js'
import type { Scenario } from '../scenario/schema.js'

/** Messages between the network-mode runner (main thread) and its node hosts (worker threads). */

/** Marks an interval whose energy a node could not measure over Modbus. */
export const MISSING = -(2 ** 31)

/** One household as a host runs it. */
export interface HostedHousehold {
  readonly h: number
  readonly privateKey: Hex
  /** Grid-side energy per interval of the period, replayed by the household's meter simulator. */
  readonly importWh: Int32Array
  readonly exportWh: Int32Array
  /** The household's meter history before the period (warm-up), as its store would hold it. */
  readonly warmup: Int32Array
  /** Whether the household has PV (its agent forecasts export only then). */
  readonly hasPv: boolean
  /** Only for a household with `forecast: perfect`: the oracle's view of the period (net Wh per interval). */
  readonly oracle?: Int32Array
}

export interface HostInit {
  readonly scenario: Scenario
  readonly households: readonly HostedHousehold[]
  readonly accounts: readonly Address[]
  readonly domain: MarketDomain
  readonly market: Hex
  readonly firstInterval: number
  readonly T: number
  readonly marketTime: MarketTime
  /** Clock ms of the agreement windows (see the p2p node's AgreementTiming). */
  readonly timing: { digestDelayMs: number; digestWindowMs: number; resultWindowMs: number }
  readonly meterProfile: string
  /** The dev chain the nodes settle on (households registered and funded by `startDevChain`). */
  readonly rpcUrl: string
}

/** Main → host. */
export type ToHost =
  | { readonly type: 'connect'; readonly peers: readonly { h: number; addr: string }[]; readonly degree: number }
  | { readonly type: 'go' }
  | { readonly type: 'stop' }

/** One node's conclusion for one interval (the first agreed one of a host also carries its trades and orders). */
export interface NodeResult {
  readonly h: number
  readonly k: number
  readonly root: Hex
  readonly agreed: boolean
  readonly reason?: string
  readonly full?: {
    readonly trades: readonly Trade[]
    readonly orders: readonly VerifiedOrder[]
    readonly clearingPrice?: bigint
  }
}

export interface HostStats {
  readonly ordersPublished: number
  readonly messagesValidated: number
  readonly bytesSent: number
  readonly bytesReceived: number
  /** Per hosted household: grid position per interval as its node measured it over Modbus (import - export). */
  readonly measured: readonly { h: number; netWh: Int32Array }[]
  readonly meterErrors: number
  /** Orders the network refused to publish, by error code. */
  readonly submitFailures: Readonly<Record<string, number>>
}

/** Host → main. */
export type FromHost =
  | { readonly type: 'ready'; readonly addrs: readonly { h: number; addr: string }[] }
  | { readonly type: 'meshed' }
  | { readonly type: 'finished' }
  /** Household h decided for interval k (published: how many orders went out). */
  | { readonly type: 'decided'; readonly h: number; readonly k: number; readonly published: number }
  /** Every node of this host now holds at least `min` orders for interval k. */
  | { readonly type: 'orders'; readonly k: number; readonly min: number }
  /** Every node of this host now holds at least `min` digests of other households for interval k. */
  | { readonly type: 'digests'; readonly k: number; readonly min: number }
  | { readonly type: 'result'; readonly result: NodeResult }
  | { readonly type: 'stopped'; readonly stats: HostStats }
  | { readonly type: 'error'; readonly message: string }
