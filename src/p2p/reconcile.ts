import type { PeerId, Stream } from '@libp2p/interface'
import { bytesToHex, type Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { decodeGossip, type GossipMessage, MAX_RESULT_BYTES, RECONCILE_PROTOCOL } from '../core/protocol/index.js'
import { type BindingHost, bytes } from './binding.js'
import { readFrame, writeFrame } from './frames.js'
import { ReconcileRequest, ReconcileResponse } from './pb/p2p.js'

export { RECONCILE_PROTOCOL }

// An encoded order or cancel is at most 256 bytes (core codec limits).
const MAX_ITEM_BYTES = 256

/**
 * What a node can serve: the messages (orders, cancels) of an interval by id, the ids of the set it cleared, and
 * the ids of the frozen sets it knows by their digest hash.
 */
export interface ReconcileStore {
  /** The encoded gossip message (protocols/gridlet.proto `GossipMessage`) with this id. */
  message(interval: bigint, id: Hex): Uint8Array | undefined
  clearedIds(interval: bigint): readonly Hex[] | undefined
  setIds(interval: bigint, setHash: Hex): readonly Hex[] | undefined
  /** The encoded result announcements (latest per household) held for the interval. */
  results(interval: bigint): readonly Uint8Array[]
}

export interface ReconcileLimits {
  /** Most ids one request may name (and orders one response may carry). */
  maxIds: number
}

const requestBytes = (l: ReconcileLimits) => 100 + l.maxIds * 34
// Messages, cleared ids and set ids of at most `maxIds` each, and results.
const responseBytes = (l: ReconcileLimits) => 64 + l.maxIds * (3 * 34 + MAX_ITEM_BYTES + 4 + MAX_RESULT_BYTES)

/**
 * Serves `/gridlet/reconcile/1.0.0` to peers for which `allowed` says yes (bound households). One request frame,
 * one response frame. The response holds only what the store has; the requester verifies every order.
 */
export async function serveReconcile(
  host: BindingHost,
  init: { market: Hex; store: ReconcileStore; limits: ReconcileLimits; allowed(peer: PeerId): boolean },
): Promise<void> {
  await host.handle(RECONCILE_PROTOCOL, async (stream, connection) => {
    const signal = AbortSignal.timeout(5000)
    try {
      if (!init.allowed(connection.remotePeer))
        return stream.abort(new GridletError('not a bound household', { code: 'P2P_NOT_HOUSEHOLD' }))
      const req = ReconcileRequest.decode(await readFrame(stream, requestBytes(init.limits), { signal }), {
        limits: { ids: init.limits.maxIds },
      })
      if (bytesToHex(req.market) !== init.market.toLowerCase())
        return stream.abort(new GridletError('request for another market', { code: 'P2P_WRONG_MARKET' }))
      const messages: Uint8Array<ArrayBuffer>[] = []
      for (const id of req.ids) {
        const m = init.store.message(req.interval, bytesToHex(id))
        if (m) messages.push(Uint8Array.from(m))
      }
      const cleared = req.wantClearedIds ? (init.store.clearedIds(req.interval) ?? []) : []
      const set = req.setHash.length === 32 ? (init.store.setIds(req.interval, bytesToHex(req.setHash)) ?? []) : []
      const results = req.wantResults ? init.store.results(req.interval).map((r) => Uint8Array.from(r)) : []
      const response = { messages, clearedIds: cleared.map(bytes), setIds: set.map(bytes), results }
      await writeFrame(stream, ReconcileResponse.encode(response), { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(
        err instanceof Error ? err : new GridletError('reconcile failed', { code: 'P2P_RECONCILE', cause: err }),
      )
    }
  })
}

export interface ReconcileReply {
  /** Decoded but NOT verified: the caller checks each one's signature, market and interval. */
  messages: GossipMessage[]
  /** Undecodable entries (a lying or broken peer). */
  garbage: number
  clearedIds: Hex[] | undefined
  /** The ids the peer sent for the asked `setHash` (unchecked: the caller checks them against the hash). */
  setIds: Hex[] | undefined
  /** Result announcements the peer sent (`wantResults`), decoded but NOT verified. */
  results: GossipMessage[]
}

/**
 * Asks `peer` for the messages (orders, cancels) `ids` of `interval`; with `wantClearedIds` also for the ids of
 * the set it cleared, with `setHash` for the ids of that frozen set, with `wantResults` for the result
 * announcements it holds.
 *
 * @example
 * const reply = await requestReconcile(node, peer, { market, interval: 7n, ids: missing }, limits, { signal })
 */
export async function requestReconcile(
  host: Pick<BindingHost, 'dialProtocol'>,
  peer: PeerId,
  req: {
    market: Hex
    interval: bigint
    ids: readonly Hex[]
    wantClearedIds?: boolean
    setHash?: Hex
    wantResults?: boolean
  },
  limits: ReconcileLimits,
  options: { signal: AbortSignal },
): Promise<ReconcileReply> {
  const stream: Stream = await host.dialProtocol(peer, RECONCILE_PROTOCOL, options)
  try {
    const request = ReconcileRequest.encode({
      market: bytes(req.market),
      interval: req.interval,
      ids: req.ids.slice(0, limits.maxIds).map(bytes),
      wantClearedIds: req.wantClearedIds ?? false,
      setHash: req.setHash ? bytes(req.setHash) : new Uint8Array(0),
      wantResults: req.wantResults ?? false,
    })
    await writeFrame(stream, request, options)
    const res = ReconcileResponse.decode(await readFrame(stream, responseBytes(limits), options), {
      limits: { messages: limits.maxIds, clearedIds: limits.maxIds, setIds: limits.maxIds, results: limits.maxIds },
    })
    let garbage = 0
    const decodeAll = (encoded: Uint8Array[]) =>
      encoded.flatMap((m) => {
        try {
          return [decodeGossip(m)]
        } catch {
          garbage++
          return []
        }
      })
    const messages = decodeAll(res.messages)
    const results = decodeAll(res.results)
    const clearedIds = req.wantClearedIds ? res.clearedIds.map((i) => bytesToHex(i)) : undefined
    const setIds = req.setHash ? res.setIds.map((i) => bytesToHex(i)) : undefined
    return { messages, garbage, clearedIds, setIds, results }
  } finally {
    await stream
      .close(options)
      .catch((err) => stream.abort(new GridletError('stream close failed', { code: 'P2P_STREAM_CLOSE', cause: err })))
  }
}
