import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { type Address, bytesToHex, getAddress, type Hex, hexToBytes } from 'viem'
import { GridletError } from '../core/errors.js'
import { accountOf, recoverAccount, signAccountMessage } from './accountSig.js'
import { readFrame, writeFrame } from './frames.js'
import { PeerBinding } from './pb/p2p.js'

/** Protocol on which a node answers with its binding; dialled by every peer that connects. */
export const BINDING_PROTOCOL = '/gridlet/binding/1'

const MAX_BINDING_BYTES = 512

/** The set of registered households of a market (from the chain or a config file); injected, may change. */
export interface HouseholdRegistry {
  /** Number of registered households: the base of every quorum. */
  readonly size: number
  /** Whether `account` (checksummed) is registered. */
  has(account: Address): boolean
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

/**
 * Keeps the peer -> household map of one node: answers `/gridlet/binding/1` with our binding and asks every
 * newly connected peer for theirs. Peers that have none, or a bad one, stay unbound: they may relay gossip but
 * never count as households (no quorum weight, no score bonus, no reconcile service).
 */
export class PeerBindings {
  private readonly accounts = new Map<string, Address>()
  /** The peer that last bound each account (the household's node). */
  private readonly peers = new Map<Address, string>()
  private readonly own: Uint8Array

  constructor(
    private readonly host: BindingHost,
    private readonly init: {
      binding: PeerBinding
      scope: BindingScope
      registry: HouseholdRegistry
      timeoutMs?: number
      onBound?: (peer: PeerId, account: Address) => void
      onInvalid?: (peer: PeerId, err: unknown) => void
    },
  ) {
    this.own = PeerBinding.encode(init.binding)
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

  /** The peer (string id) bound to household `account`, if one presented a valid binding. */
  peerOf(account: Address): string | undefined {
    return this.peers.get(account)
  }

  get size(): number {
    return this.accounts.size
  }

  forget(peer: PeerId): void {
    const account = this.accounts.get(peer.toString())
    this.accounts.delete(peer.toString())
    if (account !== undefined && this.peers.get(account) === peer.toString()) this.peers.delete(account)
  }

  /** Fetches and checks `peer`'s binding; called on every new connection. Never throws. */
  async exchange(peer: PeerId): Promise<Address | undefined> {
    if (this.accounts.has(peer.toString())) return this.accounts.get(peer.toString())
    const signal = AbortSignal.timeout(this.init.timeoutMs ?? 5000)
    try {
      const stream = await this.host.dialProtocol(peer, BINDING_PROTOCOL, { signal })
      const bytes = await readFrame(stream, MAX_BINDING_BYTES, { signal })
      await stream.close().catch(() => {})
      const account = verifyPeerBinding(PeerBinding.decode(bytes), peer, this.init.scope, this.init.registry)
      this.accounts.set(peer.toString(), account)
      this.peers.set(account, peer.toString())
      this.init.onBound?.(peer, account)
      return account
    } catch (err) {
      this.init.onInvalid?.(peer, err)
      return undefined
    }
  }
}

function bindingError(code: string, field: string, details: string): GridletError {
  return new GridletError('invalid peer binding', { code, field, details })
}

/** Hex to bytes with the `ArrayBuffer`-backed type protons messages want. */
export function bytes(hex: Hex): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(hexToBytes(hex))
}
