import fc from 'fast-check'
import { hashTypedData, keccak256, recoverTypedDataAddress, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { TEST_DOMAIN as domain } from '../market/testBooks.js'
import { EIP712_TYPES, hashOrder } from './eip712.js'
import { OrderErrorCode } from './errors.js'
import { nativeBackend, nobleBackend, recoverAddress, signDigest } from './secp256k1.js'
import { accountOf, signOrder } from './signOrder.js'
import { type Order, Side } from './types.js'
import { verifyOrder } from './verifyOrder.js'

const key = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const // anvil account 0
const account = accountOf(key)
const market = keccak256(toHex('gridlet/test'))
const order: Order = {
  market,
  interval: 1_500_000n,
  side: Side.Sell,
  quantityWh: 800n,
  limitPrice: 120_000n,
  account,
  nonce: 0n,
  expiry: 1_500_000n * 900n + 86_400n,
}

const arbOrder = fc.record({
  market: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b)),
  interval: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  side: fc.constantFrom(Side.Buy, Side.Sell),
  quantityWh: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  limitPrice: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }),
  account: fc.constant(account),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  expiry: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})

describe('order hashing and signatures', () => {
  it('hashOrder equals viem hashTypedData for any order', () => {
    fc.assert(
      fc.property(arbOrder, (o) => {
        const expected = hashTypedData({ domain, types: EIP712_TYPES, primaryType: 'Order', message: o })
        expect(hashOrder(domain, o)).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })

  it('signOrder produces a signature viem recovers to the account', async () => {
    const signed = signOrder(key, domain, order)
    const viemSig = await privateKeyToAccount(key).signTypedData({
      domain,
      types: EIP712_TYPES,
      primaryType: 'Order',
      message: order,
    })
    expect(signed.signature).toBe(viemSig)
    const recovered = await recoverTypedDataAddress({
      domain,
      types: EIP712_TYPES,
      primaryType: 'Order',
      message: order,
      signature: signed.signature,
    })
    expect(recovered).toBe(account)
  })

  it('native and pure-JS backends agree', () => {
    const native = nativeBackend()
    expect(native, 'libsecp256k1 prebuilt binding should load here').toBeDefined()
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (digest) => {
        const keyBytes = Buffer.from(key.slice(2), 'hex')
        const a = signDigest(digest, keyBytes, native)
        const b = signDigest(digest, keyBytes, nobleBackend)
        expect(a).toEqual(b)
        expect(recoverAddress(digest, a, native)).toEqual(recoverAddress(digest, a, nobleBackend))
      }),
      { numRuns: 50 },
    )
  })

  it('rejects a high-s (malleated) signature', () => {
    const signed = signOrder(key, domain, order)
    const bytes = Buffer.from(signed.signature.slice(2), 'hex')
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${bytes.subarray(32, 64).toString('hex')}`)
    bytes.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32)
    bytes[64] = bytes[64] === 27 ? 28 : 27
    expect(() => verifyOrder({ order, signature: toHex(bytes) }, { domain, market })).toThrowError(
      expect.objectContaining({ code: OrderErrorCode.BadSignature }),
    )
  })
})
