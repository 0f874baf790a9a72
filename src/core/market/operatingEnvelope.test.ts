import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { Side } from '../order/types.js'
import { clear } from './clear.js'
import type { GridClearing } from './grid.js'
import { applyEnvelope, ENVELOPE_TYPES, hashEnvelope, signEnvelope } from './operatingEnvelope.js'
import { accountN, bookOrder, TEST_DOMAIN, TEST_MARKET } from './testBooks.js'

// anvil's second account: the grid operator in these tests
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d' as const
const OPERATOR = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as Address
const envelope = {
  market: TEST_MARKET,
  interval: 1_500_000n,
  feederImportWh: [40_000n, 35_000n],
  feederExportWh: [25_000n, 20_000n],
  transformerImportWh: [90_000n],
  transformerExportWh: [60_000n],
}
const grid: GridClearing = {
  feederOf: (a) => (a.toLowerCase() === accountN(1).toLowerCase() ? 1 : 0),
  transformerOf: [0, 0],
  feePerWh: [0n, 5n, 20n],
  feeRecipient: '0x00000000000000000000000000000000000000d5',
}
const expected = { domain: TEST_DOMAIN, operator: OPERATOR, market: TEST_MARKET, interval: 1_500_000n }

describe('operating envelope', () => {
  it('known answer: EIP-712 digest and RFC 6979 signature, equal to viem signTypedData', async () => {
    expect(hashEnvelope(TEST_DOMAIN, envelope)).toBe(
      '0xe4542954432e06a1b17f1303d9687f2fd42bdf6a0b3bd264dd7e407b916262f2',
    )
    const signed = signEnvelope(KEY, TEST_DOMAIN, envelope)
    expect(signed.signature).toBe(
      '0xcc0b3d13498fa6b86a9e75d1121d530ef6daaf89f9887e4a307f930eaaa79ac237e7946ae09c14ad4b3cfcd1d702b2005a9d8b91a30671b2481f30c2248a05631c',
    )
    const viemSig = await privateKeyToAccount(KEY).signTypedData({
      domain: TEST_DOMAIN,
      types: ENVELOPE_TYPES,
      primaryType: 'OperatingEnvelope',
      message: envelope,
    })
    expect(signed.signature).toBe(viemSig)
  })

  it('replaces the grid limits for its interval; the clearing then keeps to them', () => {
    const g = applyEnvelope(grid, signEnvelope(KEY, TEST_DOMAIN, { ...envelope, feederExportWh: [300n, 0n] }), expected)
    expect(g.limits?.feeders).toEqual([
      { importWh: 40_000n, exportWh: 300n },
      { importWh: 35_000n, exportWh: 0n },
    ])
    const orders = [
      bookOrder(1, {
        side: Side.Buy,
        quantityWh: 1_000,
        limitPrice: 200_000,
        account: accountN(1),
        interval: 1_500_000n,
      }),
      bookOrder(2, {
        side: Side.Sell,
        quantityWh: 1_000,
        limitPrice: 50_000,
        account: accountN(2),
        interval: 1_500_000n,
      }),
    ]
    const params = { rule: 'k-da', interval: 1_500_000n, retailPrice: 300_000n, feedInPrice: 80_000n } as const
    expect(clear(orders, params, [], grid).volumeWh).toBe(1_000n)
    expect(clear(orders, params, [], g).volumeWh).toBe(300n)
  })

  it('refuses another signer, market or interval, a tampered limit and wrong lengths, naming the field', () => {
    const signed = signEnvelope(KEY, TEST_DOMAIN, envelope)
    const other = signEnvelope(`0x${'11'.repeat(32)}`, TEST_DOMAIN, envelope)
    const cases: [unknown, string][] = [
      [other, 'signature'],
      [{ ...signed, envelope: { ...envelope, feederExportWh: [25_001n, 20_000n] } }, 'signature'],
      [{ ...signed, envelope: { ...envelope, interval: 1_500_001n } }, 'interval'],
      [{ ...signed, envelope: { ...envelope, market: `0x${'22'.repeat(32)}` } }, 'market'],
      [{ ...signed, envelope: { ...envelope, transformerImportWh: [] } }, 'transformerImportWh'],
    ]
    for (const [s, field] of cases) {
      expect(() => applyEnvelope(grid, s as typeof signed, expected)).toThrowError(
        expect.objectContaining({ code: 'CLEARING_ENVELOPE', field }),
      )
    }
  })
})
