import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes } from 'viem'
import { GridletError } from '../core/errors.js'
import { accountOf, recoverAccount, signAccountMessage } from './accountSig.js'
import { readFrame, writeFrame } from './frames.js'
import { PeerBinding } from './pb/p2p.js'

/** Protocol on which a node answers with its binding; dialled by every peer that connects. */
export const BINDING_PROTOCOL = '/gridlet/binding/1'

const MAX_BINDING_BYTES = 512

/** A set of registered households: how many, and whether an account is one. */
export interface RegisteredSet {
  readonly size: number
  /** Whether `account` (checksummed) is registered. */
  has(account: Address): boolean
}

/** The set of registered households of a market (from the chain or a config file); injected, may change. */
export interface HouseholdRegistry extends RegisteredSet {
  /**
   * The households registered for interval `k` (a registry that changes at interval boundaries, as the
   * contract's): the base of that interval's quorum and what its messages are judged against. Absent: the
   * registry is the same for every interval (`size` and `has`).
   */
  at?(k: bigint): RegisteredSet
}

/** The households registered for interval `k`. */
export function registeredFor(registry: HouseholdRegistry, k: bigint): RegisteredSet {
  return registry.at ? registry.at(k) : registry
}

export interface BindingScope {
  chainId: number
  market: Hex
}

/**
 * The text a household's account signs (EIP-191 personal_sign) to say "this libp2p peer speaks for me in this
 * market". Human-readable so a wallet can show it; the chain id and market stop a binding from being replayed
 * into another market.
 */
export function bindingMessage(scope: BindingScope, peerId: PeerId, account: Address): string {
  return [
    'gridlet peer binding',
    `chainId: ${scope.chainId}`,
    `market: ${scope.market.toLowerCase()}`,
    `account: ${getAddress(account)}`,
    `peer: ${peerId.toString()}`,
  ].join('\n')
}

/**
 * Signs the binding of `peerId` to the account of `privateKey`.
 *
 * @example
 * const binding = signPeerBinding(householdKey, { chainId: 31337, market }, node.peerId)
 */
export function signPeerBinding(privateKey: Hex, scope: BindingScope, peerId: PeerId): PeerBinding {
  const account = accountOf(privateKey)
  return {
    account: bytes(account),
    peerId: peerId.toString(),
    market: bytes(scope.market),
    chainId: BigInt(scope.chainId),
    signature: Uint8Array.from(signAccountMessage(privateKey, bindingMessage(scope, peerId, account))),
  }
}

/**
 * Checks a binding received from `remote`: it names that very peer, this market, and is signed by a registered
 * account. Returns the account; throws a GridletError (`BINDING_*`) naming the field otherwise.
 */
export function verifyPeerBinding(
  binding: PeerBinding,
  remote: PeerId,
  scope: BindingScope,
  registry: HouseholdRegistry,
): Address {
  if (binding.account.length !== 20) throw bindingError('BINDING_SHAPE', 'account', 'must be 20 bytes')
  if (binding.peerId !== remote.toString()) {
    throw bindingError('BINDING_PEER', 'peerId', `binds ${binding.peerId}, connection is ${remote}`)
  }
  if (bytesToHex(binding.market) !== scope.market.toLowerCase() || binding.chainId !== BigInt(scope.chainId)) {
    throw bindingError('BINDING_SCOPE', 'market', 'binding is for another market or chain')
  }
  const account = getAddress(bytesToHex(binding.account))
  const signer = recoverAccount(bindingMessage(scope, remote, account), binding.signature)
  if (signer !== account) throw bindingError('BINDING_SIGNATURE', 'signature', `signed by ${signer}`)
  if (!registry.has(account)) throw bindingError('BINDING_UNREGISTERED', 'account', `${account} is not registered`)
  return account
}

/** Narrow view of the libp2p node the binding exchange needs. */
export interface BindingHost {
  handle(protocol: string, handler: (stream: Stream, connection: Connection) => void | Promise<void>): Promise<void>
  unhandle(protocol: string): Promise<void>
  dialProtocol(peer: PeerId, protocol: string, options?: { signal?: AbortSignal }): Promise<Stream>
}

/** Why a binding exchange ended as it did: stable strings, the `outcome` label of the binding metric. */
export const BindingCode = {
  Bound: 'BOUND',
  /** The peer did not answer, or sent a binding that fails `verifyPeerBinding` (its `BINDING_*` code is logged). */
  Invalid: 'INVALID',
  /** The account already has `maxPeersPerAccount` bound peers: one more would get the bonus and keep-alive too. */
  TooManyPeers: 'TOO_MANY_PEERS',
  /** The peer disconnected while its binding was checked. */
  Disconnected: 'DISCONNECTED',
  /** A bound peer disconnected: its binding is forgotten (it binds again when it reconnects). */
  Forgotten: 'FORGOTTEN',
} as const
export type BindingCode = (typeof BindingCode)[keyof typeof BindingCode]

/** Bound peers one household account may have by default: its node and a standby. */
export const DEFAULT_MAX_PEERS_PER_ACCOUNT = 2

/**
 * Keeps the peer -> household map of one node: answers `/gridlet/binding/1` with our binding and asks every
 * newly connected peer for theirs. Peers that have none, or a bad one, stay unbound: they may relay gossip but
 * never count as households (no quorum weight, no score bonus, no reconcile service). An account binds at most
 * `maxPeersPerAccount` peers at a time, and a binding lasts as long as the peer is connected: one household key
 * cannot collect the household bonus and keep-alive for any number of peer ids.
 */
export class PeerBindings {
  private readonly accounts = new Map<string, Address>()
  /** The peers bound to each account, oldest first (the last one is the household's current node). */
  private readonly peers = new Map<Address, Set<string>>()
  private readonly own: Uint8Array
  private readonly maxPeers: number

  constructor(
    private readonly host: BindingHost,
    private readonly init: {
      binding: PeerBinding
      scope: BindingScope
      registry: HouseholdRegistry
      timeoutMs?: number
      /** Default {@link DEFAULT_MAX_PEERS_PER_ACCOUNT}. */
      maxPeersPerAccount?: number
      /** Whether `peer` still has a connection (a binding checked after it left is not kept). */
      isConnected?: (peer: PeerId) => boolean
      onBound?: (peer: PeerId, account: Address) => void
      /** Every outcome but `BOUND` (`err` for `INVALID`): counted and logged by the caller. */
      onRefused?: (peer: PeerId, code: BindingCode, err?: unknown) => void
    },
  ) {
    this.own = PeerBinding.encode(init.binding)
    this.maxPeers = init.maxPeersPerAccount ?? DEFAULT_MAX_PEERS_PER_ACCOUNT
  }

  async start(): Promise<void> {
    await this.host.handle(BINDING_PROTOCOL, async (stream) => {
      await writeFrame(stream, this.own)
      await stream.close()
    })
  }

  async stop(): Promise<void> {
    await this.host.unhandle(BINDING_PROTOCOL)
    this.accounts.clear()
    this.peers.clear()
  }

  /** The household account bound to `peer`, if it presented a valid binding. */
  accountOf(peer: PeerId | string): Address | undefined {
    return this.accounts.get(peer.toString())
  }

  /** The peer (string id) that bound household `account` last, if one is bound. */
  peerOf(account: Address): string | undefined {
    const set = this.peers.get(account)
    let last: string | undefined
    if (set) for (const p of set) last = p
    return last
  }

  get size(): number {
    return this.accounts.size
  }

  /** Forgets `peer`'s binding (it disconnected); true if it had one. */
  forget(peer: PeerId | string): boolean {
    const id = peer.toString()
    const account = this.accounts.get(id)
    if (account === undefined) return false
    this.accounts.delete(id)
    const set = this.peers.get(account)
    set?.delete(id)
    if (set?.size === 0) this.peers.delete(account)
    return true
  }

  /** Fetches and checks `peer`'s binding; called on every new connection. Never throws. */
  async exchange(peer: PeerId): Promise<Address | undefined> {
    if (this.accounts.has(peer.toString())) return this.accounts.get(peer.toString())
    let account: Address
    try {
      account = await this.fetchWithRetry(peer)
    } catch (err) {
      this.init.onRefused?.(peer, BindingCode.Invalid, err)
      return undefined
    }
    const code = this.judge(peer, account)
    if (code !== BindingCode.Bound) {
      this.init.onRefused?.(peer, code)
      return undefined
    }
    this.bind(peer, account)
    return account
  }

  /**
   * A binding is asked for once per connection, and forgotten when it ends: a request that failed in transport
   * (a busy peer, a timeout) is retried while the peer stays connected, or the household would stay unbound for
   * the whole connection. A binding that fails its checks (`BINDING_*`) is not asked for again.
   */
  private async fetchWithRetry(peer: PeerId, attempts = 3): Promise<Address> {
    for (let a = 1; ; a++) {
      try {
        return await this.fetch(peer)
      } catch (err) {
        const invalid = err instanceof GridletError && err.code.startsWith('BINDING_')
        const connected = this.init.isConnected?.(peer) ?? false
        if (invalid || !connected || a >= attempts) throw err
        await new Promise((r) => setTimeout(r, 1000 * a))
      }
    }
  }

  private async fetch(peer: PeerId): Promise<Address> {
    const signal = AbortSignal.timeout(this.init.timeoutMs ?? 5000)
    const stream = await this.host.dialProtocol(peer, BINDING_PROTOCOL, { signal })
    const bytes = await readFrame(stream, MAX_BINDING_BYTES, { signal })
    await stream.close().catch(() => {})
    return verifyPeerBinding(PeerBinding.decode(bytes), peer, this.init.scope, this.init.registry)
  }

  /** Whether a verified binding of `peer` to `account` may be kept now (judges only). */
  private judge(peer: PeerId, account: Address): BindingCode {
    // Checked again after the await: a concurrent exchange may have bound it meanwhile.
    if (this.accounts.has(peer.toString())) return BindingCode.Bound
    if (this.init.isConnected && !this.init.isConnected(peer)) return BindingCode.Disconnected
    if ((this.peers.get(account)?.size ?? 0) >= this.maxPeers) return BindingCode.TooManyPeers
    return BindingCode.Bound
  }

  private bind(peer: PeerId, account: Address): void {
    const id = peer.toString()
    if (this.accounts.has(id)) return
    this.accounts.set(id, account)
    const set = this.peers.get(account) ?? new Set<string>()
    set.add(id)
    this.peers.set(account, set)
    this.init.onBound?.(peer, account)
  }
}

function bindingError(code: string, field: string, details: string): GridletError {
  return new GridletError('invalid peer binding', { code, field, details })
}

/** Hex to bytes with the `ArrayBuffer`-backed type protons messages want. */
export function bytes(hex: Hex): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hexToBytes(hex))
}
