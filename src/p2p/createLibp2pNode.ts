import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { type GossipSub, type GossipsubOpts, gossipsub, type PublishResult } from '@libp2p/gossipsub'
import { createPeerScoreParams, createTopicScoreParams, type PeerScoreParams } from '@libp2p/gossipsub/score'
import type { PublishOpts } from '@libp2p/gossipsub/types'
import { type Identify, identify } from '@libp2p/identify'
import type { ComponentLogger, ConnectionGater, Metrics, PeerId, PrivateKey, ServiceMap } from '@libp2p/interface'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p, type ServiceFactoryMap } from 'libp2p'
import { installLengthPrefixedDecoderFastPath } from './lengthPrefixedDecoder.js'
import { installYamuxWindowHysteresis } from './yamuxWindowUpdates.js'

/** The services every gridlet libp2p node runs. */
export type GridletServices = {
  identify: Identify
  pubsub: GossipSub
}

/**
 * Public methods of the gossipsub implementation that its exported interface does not list (mesh, score and the
 * RPC entry point the fault injector wraps).
 */
export interface GossipSubInternals extends GossipSub {
  getMeshPeers(topic: string): string[]
  getScore(peerId: string): number
  handleReceivedRpc(from: PeerId, rpc: unknown): Promise<void>
  /** The implementation's publish takes per-message options (`allowPublishToZeroTopicPeers`, ...). */
  publish(topic: string, data?: Uint8Array, opts?: PublishOpts): Promise<PublishResult>
}

/** The gossipsub service of `node`, with its implementation's extra methods typed. */
export function pubsubOf(node: GridletLibp2p): GossipSubInternals {
  return node.services.pubsub as GossipSubInternals
}

export type GridletLibp2p = Libp2p<GridletServices>

export interface CreateLibp2pNodeInit<S extends ServiceMap = Record<string, never>> {
  /** The node's libp2p identity (Ed25519 recommended); distinct from the household's account key. */
  privateKey: PrivateKey
  /** Listen multiaddrs, e.g. `['/ip4/0.0.0.0/tcp/4001']`; tests use `/ip4/127.0.0.1/tcp/0`. */
  listen: readonly string[]
  /** Bootstrap multiaddrs with `/p2p/<id>`. */
  bootstrap?: readonly string[]
  /** LAN discovery. Off unless asked: tests on one host do not want every node to find every other. */
  mdns?: boolean
  /** Topics this node scores; invalid deliveries on them cost a peer its mesh place. */
  scoredTopics: readonly string[]
  /** Extra score for a peer (e.g. positive for peers bound to a registered household). */
  appSpecificScore?: (peerId: string) => number
  /**
   * Weight of gossipsub's IP colocation penalty. Households of one street may share few public IPs and a test
   * runs everything on 127.0.0.1, so the default is 0 (off); the real defence is the account binding.
   */
  ipColocationWeight?: number
  /** Override or extend gossipsub options (tests, fault injection). */
  gossip?: Partial<GossipsubOpts>
  /** Cap on simultaneous connections; a neighbourhood of a few hundred needs far fewer than the default. */
  maxConnections?: number
  /**
   * Inbound connection attempts per second accepted from one host (libp2p default 5). Tests and LANs behind one
   * NAT need more.
   */
  inboundConnectionThreshold?: number
  logger?: ComponentLogger
  /** Refuse connections to and from these peers (fault injection: partitions). */
  denyPeer?: (peer: PeerId) => boolean
  /** Receives every raw connection (byte accounting). */
  metrics?: Metrics
  /** More services, created after identify and gossipsub (so they find `pubsub` among their components). */
  services?: ServiceFactoryMap<S>
}

/**
 * Scoring of the market topics: a rejected message (bad signature, wrong domain, flooding at the source) costs its
 * propagation source `invalidMessageDeliveriesWeight * count^2 * topicWeight`. Two rejects put a peer below the
 * gossip threshold (-10), three below graylist (-80), and any negative score prunes it from the mesh at the next
 * heartbeat. Mesh-delivery penalties are off: an honest market sends only a few messages per interval, so "too
 * few deliveries" would punish silence rather than misbehaviour.
 */
export function marketScoreParams(
  topics: readonly string[],
  opts: { appSpecificScore?: (peerId: string) => number; ipColocationWeight?: number } = {},
): PeerScoreParams {
  const topicParams = createTopicScoreParams({
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 100,
    firstMessageDeliveriesWeight: 0.5,
    firstMessageDeliveriesDecay: 0.9,
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshFailurePenaltyWeight: 0,
    invalidMessageDeliveriesWeight: -10,
    invalidMessageDeliveriesDecay: 0.99,
  })
  return createPeerScoreParams({
    topics: Object.fromEntries(topics.map((t) => [t, topicParams])),
    appSpecificScore: opts.appSpecificScore ?? (() => 0),
    appSpecificWeight: 1,
    IPColocationFactorWeight: opts.ipColocationWeight ?? 0,
    // Broken IWANT promises are mostly load, not malice, on a home node: mild penalty, after a generous threshold.
    behaviourPenaltyWeight: -1,
    behaviourPenaltyThreshold: 10,
    behaviourPenaltyDecay: 0.9,
    decayInterval: 1000,
  })
}

/**
 * Creates (does not start) a libp2p v3 node with the gridlet stack: TCP, Noise, Yamux, identify, gossipsub with
 * unsigned envelopes and content-derived message ids, bootstrap list and optional mDNS, and the extra `services`.
 *
 * @example
 * const node = await createLibp2pNode({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], scoredTopics: [topic] })
 * await node.start()
 */
export async function createLibp2pNode<S extends ServiceMap = Record<string, never>>(
  init: CreateLibp2pNodeInit<S>,
): Promise<Libp2p<GridletServices & S>> {
  installYamuxWindowHysteresis()
  installLengthPrefixedDecoderFastPath()
  const peerDiscovery = [
    ...(init.bootstrap?.length ? [bootstrap({ list: [...init.bootstrap], timeout: 100 })] : []),
    ...(init.mdns ? [mdns()] : []),
  ]
  return createLibp2p<GridletServices & S>({
    privateKey: init.privateKey,
    start: false,
    addresses: { listen: [...init.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    // No ping monitor: it aborts a connection whose ping misses an adaptive deadline (a busy home node, or 50 nodes
    // sharing two cores in a test, would lose its mesh for being slow), and without aborting it only measures
    // round trips nobody reads, at a new stream (multistream-select, ping, close) per connection every 10 s, each
    // way. Gossip and the reconnect queue keep liveness.
    connectionMonitor: { enabled: false },
    connectionManager: {
      maxConnections: init.maxConnections ?? 64,
      inboundConnectionThreshold: init.inboundConnectionThreshold ?? 5,
    },
    ...(init.logger ? { logger: init.logger } : {}),
    ...(init.metrics ? { metrics: () => init.metrics! } : {}),
    ...(init.denyPeer ? { connectionGater: peerGater(init.denyPeer) } : {}),
    services: {
      identify: identify(),
      pubsub: gossipsub({
        // No libp2p publisher signature (as Ethereum's consensus gossip): every gridlet message is signed by its
        // household's account, the identity that counts. An Ed25519 signature per message and its verification at
        // every node cost a tenth of a node's CPU, and its fields (from, seqno, signature) ~115 bytes per copy.
        globalSignaturePolicy: 'StrictNoSign',
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        // Own messages go to the mesh only: flooding them to every topic peer saves a hop but multiplies the
        // copies every node encrypts and checks (measured: the CPU, not the network, limits a busy node).
        floodPublish: false,
        // Mesh degree D 6 (gossipsub's default, Dlo 4) is kept on purpose. A degree of 4 costs a third less CPU, but
        // with 10% of frames lost, 1 order in ~50 then misses some node on every mesh path and waits for the next
        // heartbeat's IHAVE/IWANT: bench:p2p at 50 nodes gave p99 754 ms (D 4), 209 ms (D 5), 142 ms (D 6).
        // The upper bound is lowered from 12 to 8: a node accepts GRAFTs up to Dhi, so with ~10 connections meshes
        // grew to ~8 on average and every message was received ~7 times; Dhi 8 cut the copies sent by 14%.
        Dhi: 8,
        // IHAVE lists the ids of the last 2 heartbeats (default 3): each id is announced twice to each non-mesh peer
        // instead of three times; recovery of a lost message takes one IWANT either way.
        mcacheGossip: 2,
        // IDONTWANT (gossipsub v1.2) saves bandwidth on large messages; for our orders (< 512 B) and digests the
        // control frame it sends to every mesh peer costs more than the duplicates it avoids (measured at 50 nodes:
        // 431 KB instead of 372 KB per node and interval with it on for all sizes). Digests of a few hundred
        // households still use it.
        idontwantMinDataSize: 4096,
        scoreParams: marketScoreParams(init.scoredTopics, {
          ...(init.appSpecificScore ? { appSpecificScore: init.appSpecificScore } : {}),
          ...(init.ipColocationWeight !== undefined ? { ipColocationWeight: init.ipColocationWeight } : {}),
        }),
        ...init.gossip,
      }),
      ...init.services,
    } as ServiceFactoryMap<GridletServices & S>,
  })
}

function peerGater(deny: (peer: PeerId) => boolean): ConnectionGater {
  return {
    denyDialPeer: async (peer) => deny(peer),
    denyInboundEncryptedConnection: async (peer) => deny(peer),
    denyOutboundEncryptedConnection: async (peer) => deny(peer),
  }
}
