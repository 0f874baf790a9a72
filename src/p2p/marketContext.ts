import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  Libp2pEvents,
  Logger,
  PeerId,
  PeerStore,
  Stream,
  StreamHandler,
  TypedEventTarget,
} from '@libp2p/interface'
import type { Address } from 'viem'
import type { PreparedDomain } from '../core/order/eip712.js'
import type { VerifiedOrder } from '../core/order/types.js'
import { intervalAt } from '../core/time/interval.js'
import type { AgreementRules } from './agreement.js'
import type { PeerBindings } from './binding.js'
import type { GossipSubInternals } from './createLibp2pNode.js'
import type { HeldMessages } from './heldMessages.js'
import type { IntervalStates, IntervalTimes } from './intervalState.js'
import type { P2pMetrics } from './metrics.js'
import type { RateLimiter } from './rateLimit.js'
import type { ReconcileLimits } from './reconcile.js'
import type { AgreementTiming, IntervalOutcome, MarketNodeInit, OrderSource } from './types.js'

/**
 * The libp2p components the market service uses (js-libp2p style: a narrow view, so a test can pass fakes).
 * `pubsub` is the gossipsub service, which libp2p adds to the components of the services declared after it.
 */
export interface MarketComponents {
  peerId: PeerId
  logger: ComponentLogger
  registrar: {
    handle(protocol: string, handler: StreamHandler): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: {
    getConnections(peer?: PeerId): Connection[]
    openStream(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>
  }
  peerStore: Pick<PeerStore, 'merge'>
  events: TypedEventTarget<Libp2pEvents>
  pubsub: GossipSubInternals
}

/** Subscribers of a node's events. */
export interface Listeners {
  readonly result: Set<(o: IntervalOutcome) => void>
  readonly order: Set<(o: VerifiedOrder, s: OrderSource) => void>
  readonly disagreement: Set<(o: IntervalOutcome) => void>
}

/** Everything the parts of a market node share: its rules, its state and its connections. Built once per node. */
export interface MarketContext {
  readonly init: MarketNodeInit
  readonly account: Address
  readonly domain: PreparedDomain
  readonly topic: string
  /** The agreement rules of interval `k` (its quorum from the households registered for it). */
  rulesAt(k: bigint): AgreementRules
  readonly timing: AgreementTiming
  readonly times: IntervalTimes
  readonly limits: ReconcileLimits
  readonly maxOrders: number
  readonly maxIntervalsAhead: number
  readonly states: IntervalStates
  readonly metrics: P2pMetrics
  readonly log: Logger
  readonly bindings: PeerBindings
  readonly limiter: RateLimiter
  readonly equivocators: Equivocators
  readonly components: MarketComponents
  readonly listeners: Listeners
  readonly tasks: Tasks
  /** Own messages published while no peer was subscribed, sent when one is. */
  readonly held: HeldMessages
}

/**
 * The background work of a running node (interval runs, catch-up): one abort signal per start, and the set of
 * pending tasks that `stop` waits for. A failed task is logged, never thrown into the event loop.
 */
export class Tasks {
  private controller = new AbortController()
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly log: Logger) {}

  get signal(): AbortSignal {
    return this.controller.signal
  }

  restart(): void {
    this.controller = new AbortController()
  }

  track(p: Promise<void>): void {
    const t = p.catch((err) => {
      if (!this.controller.signal.aborted) this.log.error('interval task failed %e', err)
    })
    this.pending.add(t)
    t.finally(() => this.pending.delete(t))
  }

  async stop(reason: unknown): Promise<void> {
    this.controller.abort(reason)
    await Promise.all([...this.pending])
  }
}

/**
 * Households caught equivocating, with the last interval they did: each keeps a gossip penalty for
 * `penaltyIntervals` after it.
 */
export class Equivocators {
  private readonly last = new Map<Address, bigint>()

  constructor(
    private readonly init: Pick<MarketNodeInit, 'marketTime' | 'clock'>,
    private readonly penaltyIntervals: bigint,
  ) {}

  /** Records that `account` equivocated in interval `k`; true if that is news (a newer interval). */
  mark(account: Address, k: bigint): boolean {
    const prev = this.last.get(account)
    if (prev !== undefined && prev >= k) return false
    this.last.set(account, k)
    return true
  }

  penalised(account: Address): boolean {
    const k = this.last.get(account)
    if (k === undefined) return false
    return BigInt(intervalAt(this.init.marketTime, this.init.clock.now())) < k + this.penaltyIntervals
  }
}

/** Connected peers (string ids), preferred first among `peers`; duplicates removed. */
export function peersByPreference(ctx: MarketContext, peers: Iterable<string>): string[] {
  const connected = connectedPeers(ctx)
  return [...new Set(peers)].sort((a, b) => Number(connected.has(b)) - Number(connected.has(a)))
}

export function connectedPeers(ctx: MarketContext): Set<string> {
  return new Set(ctx.components.connectionManager.getConnections().map((c) => c.remotePeer.toString()))
}

/**
 * Where own messages go: a gossip topic, and the messages held for it until its mesh forms. The market context
 * is the market topic's outbox; the envelope topic has its own.
 */
export interface Outbox {
  readonly topic: string
  readonly held: HeldMessages
}

/**
 * Publishes one of our own messages on the market topic (or `box`'s). Without a gossip mesh (just started, or
 * every mesh peer gone) the message is held (until `untilMs` on the clock) and published after the heartbeat that
 * formed the mesh (`publishHeld`): gossipsub marks a message it published as seen, so it would never send it again,
 * and peers that join a mesh later never get the messages it carried before. (With a mesh, gossipsub tops a small
 * one up to D with other subscribed peers.) Any other failure is logged (gossip recovery and reconciliation repair it).
 */
export async function publish(ctx: MarketContext, data: Uint8Array, untilMs: number, box: Outbox = ctx): Promise<void> {
  if (ctx.components.pubsub.getMeshPeers(box.topic).length === 0) return hold(ctx, box, data, untilMs)
  await send(ctx, box, data, untilMs)
}

/** gossipsub's `Dlo` (not overridden): a mesh this large has formed. */
const MESH_FORMED = 4
/**
 * The mesh holds Dlo peers, or every connected peer when there are fewer (every peer of a market node is one:
 * a connected peer whose subscription has not arrived yet would join the mesh later and never get the message).
 */
function meshFormed(ctx: MarketContext, topic: string): boolean {
  const { pubsub } = ctx.components
  const mesh = pubsub.getMeshPeers(topic).length
  const peers = Math.max(pubsub.getSubscribers(topic).length, connectedPeers(ctx).size)
  return mesh > 0 && mesh >= Math.min(MESH_FORMED, peers)
}

async function send(ctx: MarketContext, box: Outbox, data: Uint8Array, untilMs: number): Promise<void> {
  try {
    await ctx.components.pubsub.publish(box.topic, data, { allowPublishToZeroTopicPeers: false })
  } catch (err) {
    if (err instanceof Error && err.message === 'PublishError.NoPeersSubscribedToTopic') hold(ctx, box, data, untilMs)
    else ctx.log('publish failed %e', err)
  }
}

/**
 * Publishes an own message that nothing but gossip carries (no reconciliation repairs a peer that missed it) only
 * to a formed mesh (`meshFormed`), else holds it for `publishHeld`: a mesh of the first subscribed peer alone would
 * carry it to that peer, and a peer whose subscription arrives a moment later would never get it.
 */
export async function publishToFormedMesh(
  ctx: MarketContext,
  box: Outbox,
  data: Uint8Array,
  untilMs: number,
): Promise<void> {
  if (!meshFormed(ctx, box.topic)) return hold(ctx, box, data, untilMs)
  await send(ctx, box, data, untilMs)
}

function hold(ctx: MarketContext, box: Outbox, data: Uint8Array, untilMs: number): void {
  box.held.hold(data, untilMs)
  ctx.metrics.publish('held')
}

/**
 * After each gossipsub heartbeat: publishes `box`'s held messages once its mesh has formed, or after the held
 * messages' `patience` to whatever peers gossipsub picks (with no subscribed peer at all they stay held).
 */
export async function publishHeld(ctx: MarketContext, box: Outbox = ctx): Promise<void> {
  if (box.held.size === 0) return
  // The wait counts only heartbeats with a subscribed peer: before any peer subscribed there is nobody to send to,
  // and a node that starts alone would otherwise give up waiting for its mesh before its first peer arrived.
  if (ctx.components.pubsub.getSubscribers(box.topic).length === 0) return
  const waited = box.held.heartbeat()
  if (!meshFormed(ctx, box.topic) && waited < box.held.patience) return
  for (const [data, until] of box.held.take(ctx.init.clock.now())) {
    ctx.metrics.publish('retried')
    await send(ctx, box, data, until)
  }
}
