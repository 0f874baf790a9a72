import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Hex } from 'viem'
import { generatePrivateKey } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { accountOf } from './accountSig.js'
import { signPeerBinding, verifyPeerBinding } from './binding.js'

const scope = { chainId: 31337, market: `0x${'ab'.repeat(32)}` as Hex }

describe('peer binding', async () => {
  const key = generatePrivateKey()
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  const registry = new Set([accountOf(key)])

  it('binds a peer to a registered account', () => {
    expect(verifyPeerBinding(signPeerBinding(key, scope, peer), peer, scope, registry)).toBe(accountOf(key))
  })

  it('refuses a binding presented by another peer, for another market, or of an unregistered account', () => {
    const b = signPeerBinding(key, scope, peer)
    expect(() => verifyPeerBinding(b, other, scope, registry)).toThrow(
      expect.objectContaining({ code: 'BINDING_PEER' }),
    )
    expect(() => verifyPeerBinding(b, peer, { ...scope, chainId: 1 }, registry)).toThrow(
      expect.objectContaining({ code: 'BINDING_SCOPE' }),
    )
    expect(() => verifyPeerBinding(b, peer, scope, new Set())).toThrow(
      expect.objectContaining({ code: 'BINDING_UNREGISTERED' }),
    )
    const forged = { ...b, account: signPeerBinding(generatePrivateKey(), scope, peer).account }
    expect(() => verifyPeerBinding(forged, peer, scope, registry)).toThrow(
      expect.objectContaining({ code: 'BINDING_SIGNATURE' }),
    )
  })
})
