/** Attested settlement: the batch must be the result a quorum of households registered for the interval signed. */
import { keccak256, toHex } from 'viem'
import { devKeys } from '../../../src/chain/devAccounts.js'
import { signAttestations } from '../../../src/chain/signAttestations.js'
import { type Attack, patch, record, registry, SECP_N } from './helpers.js'

export const ATTESTATION_ATTACKS: readonly Attack[] = [
  {
    name: 'deviant matching by a household (its own prices, honest attestations)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 2)
      const honest = ctx.agree(interval, book)
      // The seller prices its trade at the buyer's limit instead of the clearing price.
      const t = book.trades[1]!
      const buy = book.orders.find((o) => o.id === t.buyId)!
      if (buy.order.limitPrice === t.price) throw new Error('the buyer limit must differ from the clearing price')
      book.trades[1] = { ...t, price: buy.order.limitPrice, amount: (t.quantityWh * buy.order.limitPrice) / 1000n }
      return ctx.attempt(await ctx.encode(interval, book, honest))
    },
  },
  {
    name: 'deviant matching signed by the deviant household alone',
    expected: 'NoQuorum',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const self = ctx.agree(interval, book, [ctx.dev.accounts[0]!])
      return ctx.attempt(await ctx.encode(interval, book, self))
    },
  },
  {
    name: 'a subset of the agreed trades (a seller settles only its own)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 3)
      const agreed = ctx.agree(interval, book)
      const subset = { orders: book.orders, trades: book.trades.slice(0, 1) }
      return ctx.attempt(await ctx.encode(interval, subset, agreed))
    },
  },
  {
    name: 'a batch without quorum (one attestation short)',
    expected: 'NoQuorum',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const short = ctx.agree(interval, book, ctx.dev.accounts.slice(0, (await ctx.quorum()) - 1))
      return ctx.attempt(await ctx.encode(interval, book, short))
    },
  },
  {
    name: 'a forged attestation (an outsider signs under a household index)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const a = ctx.agree(interval, book)
      const outsider = devKeys(40)[39]!
      const [forged] = signAttestations([outsider], ctx.domain(), {
        market: ctx.dev.market,
        interval,
        setHash: a.attestations[0]!.setHash,
        root: (await ctx.encode(interval, book, a)).root,
      })
      const attestations = a.attestations.map((x, i) => (i === 1 ? { ...x, signature: forged!.signature } : x))
      return ctx.attempt(await ctx.encode(interval, book, { ...a, attestations }))
    },
  },
  {
    name: 'a duplicated attestation (one household counted twice)',
    expected: 'AttestationNotSorted',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book, ctx.agree(interval, book, ctx.dev.accounts.slice(0, 4)))
      const first = record(batch.attestations, 101, 0)
      return ctx.attempt({ ...batch, attestations: `0x${first}${batch.attestations.slice(2)}` })
    },
  },
  {
    name: 'attestations out of household order',
    expected: 'AttestationNotSorted',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      const [a0, a1] = [record(batch.attestations, 101, 0), record(batch.attestations, 101, 1)]
      return ctx.attempt({ ...batch, attestations: `0x${a1}${a0}${batch.attestations.slice(2 + 2 * 202)}` })
    },
  },
  {
    name: 'a malleated attestation (high s)',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const batch = await ctx.encode(interval, book)
      // index (4) | setHash (32) | r (32) | s (32) | v (1)
      const a = record(batch.attestations, 101, 0)
      const s = BigInt(`0x${a.slice(136, 200)}`)
      const v = Number.parseInt(a.slice(200), 16)
      const twin = `${a.slice(0, 136)}${(SECP_N - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`
      return ctx.attempt({ ...batch, attestations: patch(batch.attestations, 0, twin) })
    },
  },
  {
    name: 'attestations of another interval replayed',
    expected: 'InvalidAttestation',
    async run(ctx) {
      const interval = await ctx.interval()
      const book = await ctx.book(interval, 1)
      const other = ctx.agree(interval - 1n, book)
      return ctx.attempt(await ctx.encode(interval, book, other))
    },
  },
  {
    name: 'an attestation from a household removed before the interval',
    expected: 'AttesterNotRegistered',
    async run(ctx) {
      const gone = ctx.dev.accounts[6]!
      await registry(ctx, 'remove', [gone.address])
      try {
        await ctx.pastRegistry() // an interval from the removal's registry boundary on
        const interval = await ctx.interval()
        const book = await ctx.book(interval, 1)
        // The quorum of 7 is 4: three registered households and the removed one.
        const signers = [...ctx.dev.accounts.slice(0, (await ctx.quorum(interval)) - 1), gone]
        return await ctx.attempt(await ctx.encode(interval, book, ctx.agree(interval, book, signers)))
      } finally {
        await registry(ctx, 'register', [gone.address, gone.meterId])
        await ctx.pastRegistry()
      }
    },
  },
  {
    name: 'a quorum counting a household registered only after the interval',
    expected: 'AttesterNotRegistered',
    async run(ctx) {
      const late = devKeys(12)[11]!
      await registry(ctx, 'register', [late.address, keccak256(toHex('late-meter'))])
      try {
        // Registered now, from its boundary on: not for an interval cleared before it (quorum 5 of 8).
        const interval = await ctx.interval()
        const signers = [...ctx.dev.accounts.slice(0, (await ctx.quorum(interval)) - 1), late]
        const book = await ctx.book(interval, 1)
        return await ctx.attempt(await ctx.encode(interval, book, ctx.agree(interval, book, signers)))
      } finally {
        await registry(ctx, 'remove', [late.address])
      }
    },
  },
  {
    name: 'a quorum of the registry as it was before households joined',
    expected: 'NoQuorum',
    async run(ctx) {
      // 10 registered for the intervals after the two newcomers' boundary: the quorum is 6, not the 5 of 8.
      const extras = devKeys(14).slice(12)
      for (const [i, x] of extras.entries()) {
        await registry(ctx, 'register', [x.address, keccak256(toHex(`extra-meter-${i}`))])
      }
      try {
        await ctx.pastRegistry()
        const interval = await ctx.interval()
        const book = await ctx.book(interval, 1)
        return await ctx.attempt(
          await ctx.encode(interval, book, ctx.agree(interval, book, ctx.dev.accounts.slice(0, 5))),
        )
      } finally {
        for (const x of extras) await registry(ctx, 'remove', [x.address])
        await ctx.pastRegistry()
      }
    },
  },
  {
    name: 'settling an interval that has not started (settle in advance)',
    expected: 'TooEarly',
    async run(ctx) {
      const interval = (await ctx.currentInterval()) + 4n
      const book = await ctx.book(interval, 1)
      return ctx.attempt(await ctx.encode(interval, book))
    },
  },
  {
    name: 'settling a far-future interval to lock it (interval 5,000,000)',
    expected: 'TooEarly',
    async run(ctx) {
      const book = await ctx.book(5_000_000n, 1, { expiry: 10n ** 12n })
      return ctx.attempt(await ctx.encode(5_000_000n, book))
    },
  },
  {
    name: 'settling an interval after its settlement window',
    expected: 'SettlementWindowClosed',
    async run(ctx) {
      const interval = (await ctx.currentInterval()) - 800n
      const book = await ctx.book(interval, 1)
      return ctx.attempt(await ctx.encode(interval, book))
    },
  },
]
