import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { keccak256, toHex } from 'viem'
import { describe, expect, it } from 'vitest'
import * as wire from '../../../protocols/generated/gridlet.js'
import { accountOf, signOrder } from '../order/signOrder.js'
import { Side } from '../order/types.js'
import { setHash, signAnnouncement, verifyAnnouncement } from './announcements.js'
import { decodeGossip, encodeGossip, MAX_GOSSIP_BYTES, ProtocolError } from './codec.js'

const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const domain = { name: 'gridlet', version: '1', chainId: 31337, verifyingContract: accountOf(key) } as const
const market = keccak256(toHex('gridlet/codec'))

const arbOrder = fc.record({
  interval: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  side: fc.constantFrom(Side.Buy, Side.Sell),
  quantityWh: fc.bigInt({ min: 1n, max: 2n ** 64n - 1n }),
  limitPrice: fc.bigInt({ min: 1n, max: 2n ** 128n - 1n }),
  nonce: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  expiry: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})

describe('gossip codec', () => {
  it('round-trips any order', () => {
    fc.assert(
      fc.property(arbOrder, (fields) => {
        const signed = signOrder(key, domain, { ...fields, market, account: accountOf(key) })
        const decoded = decodeGossip(encodeGossip({ type: 'order', order: signed }))
        expect(decoded).toEqual({ type: 'order', order: { order: signed.order, signature: signed.signature } })
      }),
      { numRuns: 100 },
    )
  })

  it('round-trips digests and results, and their signatures verify', () => {
    const ids = [keccak256('0x01'), keccak256('0x02')]
    const digest = signAnnouncement(key, domain, {
      market,
      interval: 5n,
      count: 2,
      setHash: setHash(ids),
      ids: [...ids].sort(),
      account: accountOf(key),
    })
    const back = decodeGossip(encodeGossip({ type: 'digest', digest }))
    expect(back).toEqual({ type: 'digest', digest })
    expect(verifyAnnouncement(domain, digest)).toBe(accountOf(key))
    const forged = { ...digest, body: { ...digest.body, count: 3 } }
    expect(verifyAnnouncement(domain, forged)).toBeUndefined()
    const result = signAnnouncement(key, domain, {
      market,
      interval: 5n,
      setHash: setHash(ids),
      root: keccak256('0x03'),
      tradeCount: 1,
      account: accountOf(key),
    })
    expect(decodeGossip(encodeGossip({ type: 'result', result }))).toEqual({ type: 'result', result })
  })

  it('setHash ignores order and duplicates', () => {
    const a = keccak256('0x01')
    const b = keccak256('0x02')
    expect(setHash([a, b, a])).toBe(setHash([b, a]))
    expect(setHash([a])).not.toBe(setHash([b]))
  })

  it('rejects malformed input with an error naming the field, never throws anything else', () => {
    const signed = signOrder(key, domain, {
      market,
      interval: 1n,
      side: Side.Buy,
      quantityWh: 1n,
      limitPrice: 1n,
      nonce: 0n,
      expiry: 1n,
      account: accountOf(key),
    })
    const good = wire.GossipMessage.decode(encodeGossip({ type: 'order', order: signed })).order!
    const cases: [Partial<wire.Order>, string][] = [
      [{ market: new Uint8Array(31) }, 'order.market'],
      [{ account: new Uint8Array(21) }, 'order.account'],
      [{ signature: new Uint8Array(64) }, 'order.signature'],
      [{ side: 2 }, 'order.side'],
      [{ limitPrice: new Uint8Array([0, 1]) }, 'order.limitPrice'],
      [{ limitPrice: new Uint8Array(17).fill(1) }, 'order.limitPrice'],
    ]
    for (const [patch, field] of cases) {
      const bytes = wire.GossipMessage.encode({ order: { ...good, ...patch } })
      expect(() => decodeGossip(bytes)).toThrowError(expect.objectContaining({ field }))
    }
    expect(() => decodeGossip(new Uint8Array(MAX_GOSSIP_BYTES + 1))).toThrowError(ProtocolError)
    expect(() => decodeGossip(wire.GossipMessage.encode({}))).toThrowError(expect.objectContaining({ field: 'body' }))
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (junk) => {
        try {
          decodeGossip(junk)
        } catch (err) {
          expect(err).toBeInstanceOf(ProtocolError)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('generated protobuf code is up to date with protocols/gridlet.proto', () => {
    const out = mkdtempSync(join(tmpdir(), 'protons-'))
    const proto = new URL('../../../protocols/gridlet.proto', import.meta.url).pathname
    execFileSync('npx', ['protons', '--output', out, proto], { stdio: 'pipe' })
    const fresh = readFileSync(join(out, 'gridlet.ts'), 'utf8')
    const committed = readFileSync(new URL('../../../protocols/generated/gridlet.ts', import.meta.url), 'utf8')
    expect(committed).toBe(fresh)
  })
})
