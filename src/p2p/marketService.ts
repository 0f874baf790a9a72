import type { Libp2pEvents, PeerId, Startable } from '@libp2p/interface'
import type { Address, Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import type { SignedEnvelope } from '../core/market/operatingEnvelope.js'
import { prepareDomain } from '../core/order/eip712.js'
import type { SignedCancel, SignedOrder, VerifiedOrder } from '../core/order/types.js'
import { verifyCancel, verifyOrder } from '../core/order/verifyOrder.js'
import { encodeGossip, marketTopic } from '../core/protocol/index.js'
import { acceptsOrdersAt } from '../core/time/interval.js'
import { accountOf } from './accountSig.js'
import { rulesFor } from './agreement.js'
import { BindingCode, type BindingHost, PeerBindings, signPeerBinding } from './binding.js'
import type { HeldEnvelope } from './envelopeBook.js'
import { type EnvelopeTopic, envelopeTopicOf } from './envelopeTopic.js'
import { injectGossipFaults } from './faults.js'
import { marketTopicValidator } from './gossipTopic.js'
import { addCancel, addOrder, keepHousehold } from './handlers.js'
import { HeldMessages } from './heldMessages.js'
import { scheduleIntervals } from './intervalRun.js'
import { holds, IntervalStates, intervalTimes } from './intervalState.js'
import {
  Equivocators,
  type MarketComponents,
  type MarketContext,
  publish,
  publishHeld,
  Tasks,
} from './marketContext.js'
import { P2pMetrics } from './metrics.js'
import { rateLimiter } from './rateLimit.js'
import { serveReconcile } from './reconcile.js'
import { reconcileStore } from './reconcileClient.js'
import { DEFAULT_TIMING, type IntervalOutcome, type MarketNodeInit, type OrderSource } from './types.js'
import { tooFarAhead } from './validation.js'

/**
 * The gridlet market as a libp2p service: gossip validation of the market topic, peer/account binding, the
 * reconcile protocol and one agreement run per interval. Declare it after the `pubsub` (gossipsub) service.
 *
 * @example
 * const node = await createLibp2p({ ..., services: { identify: identify(), pubsub: gossipsub(), market: marketService(init) } })
 * node.services.market.onResult((o) => console.log(o.interval, o.agreed))
 */
export function marketService(init: MarketNodeInit): (components: MarketComponents) => MarketService {
  return (components) => new MarketService(components, init)
}

export class MarketService implements Startable {
  readonly account: Address
  private readonly ctx: MarketContext
  private readonly host: BindingHost
  private restoreFaults: (() => void) | undefined
  private readonly envelopes: EnvelopeTopic | undefined
  private readonly onConnect = (evt: CustomEvent<PeerId>) => {
    void this.ctx.bindings.exchange(evt.detail)
  }
  private readonly onHeartbeat = () => {
    void publishHeld(this.ctx)
    void this.envelopes?.heartbeat()
  }
  private readonly onDisconnect = (evt: CustomEvent<PeerId>) => {
    if (this.ctx.bindings.forget(evt.detail)) this.ctx.metrics.binding(BindingCode.Forgotten)
  }

  constructor(
    private readonly components: MarketComponents,
    private readonly init: MarketNodeInit,
  ) {
    this.account = accountOf(init.privateKey)
    const log = components.logger.forComponent('gridlet:market')
    const maxOrders = init.maxOrdersPerInterval ?? 16
    const timing = { ...DEFAULT_TIMING, ...init.timing }
    const metrics = new P2pMetrics(init.metrics)
    const scope = { chainId: init.domain.chainId, market: init.market }
    const host: BindingHost = {
      handle: components.registrar.handle.bind(components.registrar),
      unhandle: components.registrar.unhandle.bind(components.registrar),
      dialProtocol: components.connectionManager.openStream.bind(components.connectionManager),
    }
    this.host = host
    this.ctx = {
      init,
      account: this.account,
      domain: prepareDomain(init.domain),
      topic: marketTopic(init.market),
      rulesAt: (k) => rulesFor(init.registry, k, init.agreement),
      timing,
      times: intervalTimes(init.marketTime, timing),
      limits: { maxIds: Math.max(64, init.registry.size * maxOrders) },
      maxOrders,
      maxIntervalsAhead: init.maxIntervalsAhead ?? 96,
      states: new IntervalStates(),
      metrics,
      log,
      bindings: new PeerBindings(host, {
        binding: signPeerBinding(init.privateKey, scope, components.peerId),
        scope,
        registry: init.registry,
        ...(init.maxPeersPerAccount !== undefined ? { maxPeersPerAccount: init.maxPeersPerAccount } : {}),
        isConnected: (peer) => components.connectionManager.getConnections(peer).length > 0,
        onBound: (peer, acct) => {
          metrics.binding(BindingCode.Bound)
          keepHousehold(this.ctx, peer, acct)
        },
        onRefused: (peer, code, err) => {
          metrics.binding(code)
          log('binding of %p refused: %s %e', peer, code, err)
        },
      }),
      limiter: rateLimiter({ burst: maxOrders * 2, perMs: (maxOrders * 2) / (init.marketTime.lengthS * 1000) }),
      equivocators: new Equivocators(init, BigInt(init.equivocationPenaltyIntervals ?? 96)),
      components,
      listeners: { result: new Set(), order: new Set(), disagreement: new Set() },
      tasks: new Tasks(log),
      held: new HeldMessages(),
    }
    this.envelopes = envelopeTopicOf(this.ctx)
  }

  readonly [Symbol.toStringTag] = 'gridlet/market'

  async start(): Promise<void> {
    const { ctx, components } = this
    ctx.tasks.restart()
    if (this.init.faults) this.restoreFaults = injectGossipFaults(components.pubsub, this.init.faults)
    components.pubsub.topicValidators.set(ctx.topic, marketTopicValidator(ctx) as never)
    this.envelopes?.start()
    components.events.addEventListener('peer:connect', this.onConnect as (e: Libp2pEvents['peer:connect']) => void)
    components.events.addEventListener(
      'peer:disconnect',
      this.onDisconnect as (e: Libp2pEvents['peer:disconnect']) => void,
    )
    await ctx.bindings.start()
    await serveReconcile(this.host, {
      market: this.init.market,
      limits: ctx.limits,
      allowed: (p) => ctx.bindings.accountOf(p) !== undefined,
      store: reconcileStore(ctx),
    })
  }

  /** Subscribes and starts the interval runs once gossipsub (started beside us) is running. */
  afterStart(): void {
    this.components.pubsub.subscribe(this.ctx.topic)
    this.envelopes?.subscribe()
    this.components.pubsub.addEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.ctx.tasks.track(scheduleIntervals(this.ctx, this.ctx.tasks.signal))
  }

  async stop(): Promise<void> {
    const { ctx, components } = this
    await ctx.tasks.stop(new GridletError('market node stopped', { code: 'P2P_STOPPED' }))
    components.events.removeEventListener('peer:connect', this.onConnect as (e: Libp2pEvents['peer:connect']) => void)
    components.events.removeEventListener(
      'peer:disconnect',
      this.onDisconnect as (e: Libp2pEvents['peer:disconnect']) => void,
    )
    components.pubsub.topicValidators.delete(ctx.topic)
    this.envelopes?.stop()
    components.pubsub.removeEventListener('gossipsub:heartbeat', this.onHeartbeat)
    this.restoreFaults?.()
    this.restoreFaults = undefined
    await ctx.bindings.stop()
    ctx.states.clear()
  }

  /** Score bonus of a peer in gossipsub: bound households above relays, equivocators below zero. */
  peerScore(peer: string): number {
    const acct = this.ctx.bindings.accountOf(peer)
    if (acct === undefined) return 0
    // A household caught equivocating falls below zero (and below the gossip threshold, -10): it loses its mesh
    // place wherever the evidence reached, but stays above the publish and graylist thresholds.
    return this.ctx.equivocators.penalised(acct) ? -20 : 5
  }

  /** Checks (fields, window, signature, own account) and publishes one of this household's orders. */
  async submitOrder(signed: SignedOrder): Promise<VerifiedOrder> {
    const { ctx } = this
    const o = verifyOrder(signed, {
      domain: ctx.domain,
      market: this.init.market,
      time: this.init.marketTime,
      nowMs: this.init.clock.now(),
      maxIntervalsAhead: ctx.maxIntervalsAhead,
    })
    if (o.order.account !== this.account) throw notOwn('order', o.order.account, this.account)
    if (o.order.nonce >= BigInt(ctx.maxOrders)) {
      throw new GridletError('order nonce out of range', {
        code: 'P2P_NONCE_RANGE',
        field: 'nonce',
        details: `nonce ${o.order.nonce} must be < ${ctx.maxOrders}`,
      })
    }
    const data = encodeGossip({ type: 'order', order: o })
    addOrder(ctx, ctx.states.at(o.order.interval), o, 'local', data)
    await publish(ctx, data, ctx.times.acceptUntil(o.order.interval))
    return o
  }

  /**
   * Publishes the grid operator's signed envelope (`EnvelopeTopic.publish`); `P2P_NO_ENVELOPES` on a market
   * without a grid operator.
   */
  async publishEnvelope(signed: SignedEnvelope): Promise<HeldEnvelope> {
    if (!this.envelopes) {
      throw new GridletError('this market has no grid operator', {
        code: 'P2P_NO_ENVELOPES',
        field: 'market.grid.operator',
      })
    }
    return this.envelopes.publish(signed)
  }

  /** Checks and publishes a signed cancel of one of this household's orders (before gate closure). */
  async submitCancel(signed: SignedCancel): Promise<Hex> {
    const { cancel } = signed
    if (cancel.account !== this.account) throw notOwn('cancel', cancel.account, this.account)
    if (!acceptsOrdersAt(this.init.marketTime, Number(cancel.interval), this.init.clock.now())) {
      throw new GridletError('gate closure has passed', {
        code: 'P2P_GATE_CLOSED',
        field: 'interval',
        details: `interval ${cancel.interval}`,
      })
    }
    if (tooFarAhead(this.init.marketTime, cancel.interval, this.init.clock.now(), this.ctx.maxIntervalsAhead)) {
      throw new GridletError('interval is too far ahead', {
        code: 'P2P_TOO_FAR_AHEAD',
        field: 'interval',
        details: `interval ${cancel.interval} is more than ${this.ctx.maxIntervalsAhead} intervals ahead`,
      })
    }
    const id = verifyCancel(signed, { domain: this.ctx.domain, market: this.init.market }).toLowerCase() as Hex
    const data = encodeGossip({ type: 'cancel', cancel: signed })
    addCancel(this.ctx.states.at(cancel.interval), id, signed, 'local', data)
    await publish(this.ctx, data, this.ctx.times.acceptUntil(cancel.interval))
    return id
  }

  hasOrder(id: Hex): boolean {
    const key = id.toLowerCase() as Hex
    return [...this.ctx.states.values()].some((st) => holds(st, key))
  }

  onResult(cb: (outcome: IntervalOutcome) => void): () => void {
    return subscribe(this.ctx.listeners.result, cb)
  }

  onOrder(cb: (order: VerifiedOrder, source: OrderSource) => void): () => void {
    return subscribe(this.ctx.listeners.order, cb)
  }

  onDisagreement(cb: (outcome: IntervalOutcome) => void): () => void {
    return subscribe(this.ctx.listeners.disagreement, cb)
  }

  stats() {
    return {
      boundPeers: this.ctx.bindings.size,
      meshPeers: this.components.pubsub.getMeshPeers(this.ctx.topic).length,
      ...this.ctx.metrics.snapshot(),
    }
  }
}

function subscribe<T>(set: Set<T>, cb: T): () => void {
  set.add(cb)
  return () => set.delete(cb)
}

function notOwn(what: string, account: Address, own: Address): GridletError {
  return new GridletError(`${what} of another household`, {
    code: 'P2P_NOT_OWN_ACCOUNT',
    field: 'account',
    details: `${what} account ${account} is not this node's ${own}`,
  })
}
