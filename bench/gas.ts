/**
 * Gas per trade of `GridletSettlement.settle` on anvil, beside the baseline measured in the same run: one plain
 * ERC-20 `transfer` per trade (buyer to seller, on the same token, both already holding tokens: the cheapest
 * transfer there is, so `ratio` is conservative). `ratioEmptyRecipient` compares with the same transfers to sellers
 * that hold no tokens yet (a transfer that creates a balance).
 *
 * Every batch carries the attestations `settle` requires: the signatures of a quorum (floor(n / 2) + 1) of the n
 * registered households over the interval's `Result`, made with the core's result announcement signing.
 * - `batch-*`: a market of 302 registered households (one order per household, so every slot is cold; quorum 152).
 * - `batch-*-attested`: a market of 50 registered households (quorum 26), households trading several orders.
 *   `batch-100-attested-all` has all 50 sign: the difference to `batch-100-attested` is the marginal gas of one
 *   attestation (`gasPerSigner`), the figure the BLS comparison starts from.
 * - `attest-bls-<n>`: one aggregate BLS12-381 signature of n signers verified by the measurement-only
 *   GridletBlsBench (EIP-2537 precompiles, keys read from storage, message hashed to G2 on chain), `gas` without the
 *   21,000 transaction base; `ecrecoverGas` = n · `gasPerSigner` of this run; `ratio` = ecrecoverGas / gas (above 1:
 *   BLS is cheaper). `attest-bls-<n>-calldata-keys`: the same with the keys in calldata, each checked against a
 *   stored key hash.
 * - `batch-100-attested-fees`: the same on a fee market (`settleWithFees`: 29-byte trades, levels 0, 1, 2 in
 *   turn, buyers debited amount + fee, the fees accrued); `feeOverheadPerTrade` is its gas per trade minus that of
 *   `batch-100-attested` in the same run. Its baseline stays one transfer per trade (a fee would be a second one).
 *
 * Books are shaped as a double auction clears them ('staircase': walking sorted buyers and sellers, consecutive
 * trades share an order, n trades fill n + 1 orders). `batch-100-pairs` is the worst case (each trade its own buyer
 * and seller). The interval-flag word is warm (as for 127 of 128 intervals).
 *
 *   npm run bench:gas            readable table
 *   npm run bench:gas -- --json  one JSON object per line
 */
import { type Address, createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from 'viem'
import { privateKeyToAccount, privateKeyToAddress } from 'viem/accounts'
import { blsHouseholds, deployBlsBench, signAggregate, verifyGas } from '../protocols/contracts/bench/blsBench.js'
import { startAnvil } from '../src/chain/anvil.js'
import { localChain, settlementAbi, testTokenAbi } from '../src/chain/contracts.js'
import { devKeys } from '../src/chain/devAccounts.js'
import { type DevChain, startDevChain } from '../src/chain/devChain.js'
import { encodeSettlement } from '../src/chain/encodeSettlement.js'
import { readHouseholds } from '../src/chain/readHouseholds.js'
import { settleBatch } from '../src/chain/settleBatch.js'
import { agreementFor, type Book, buildBook, marketDomain } from '../test/chain/orders.js'
import { pastRegistry } from '../test/chain/pastRegistry.js'
import { jsonOutput as json } from './args.js'

type Shape = 'staircase' | 'pairs'
interface Case {
  name: string
  trades: number
  shape: Shape
  /** Sign with every registered household instead of the quorum. */
  allSign?: boolean
}

/** Fee per Wh by level on the fee market, and its maximum. */
const FEE_PER_WH = [1n, 3n, 7n] as const
const FEES = { recipient: '0x00000000000000000000000000000000000000D5', maxFeePerWh: 10n } as const

const MARKETS: { households: number; fees?: boolean; cases: Case[] }[] = [
  {
    households: 302,
    cases: [
      { name: 'batch-1', trades: 1, shape: 'staircase' },
      { name: 'batch-10', trades: 10, shape: 'staircase' },
      { name: 'batch-100', trades: 100, shape: 'staircase' },
      { name: 'batch-300', trades: 300, shape: 'staircase' },
      { name: 'batch-100-pairs', trades: 100, shape: 'pairs' },
    ],
  },
  {
    households: 50,
    cases: [
      { name: 'batch-10-attested', trades: 10, shape: 'staircase' },
      { name: 'batch-100-attested', trades: 100, shape: 'staircase' },
      { name: 'batch-300-attested', trades: 300, shape: 'staircase' },
      { name: 'batch-100-attested-all', trades: 100, shape: 'staircase', allSign: true },
    ],
  },
  { households: 50, fees: true, cases: [{ name: 'batch-100-attested-fees', trades: 100, shape: 'staircase' }] },
]

/** Signers of the BLS aggregate cases: a small market's quorum, the 50-household quorum, a 100-household quorum. */
const BLS_SIGNERS = [6, 26, 51]

const rows: Record<string, unknown>[] = []
for (const m of MARKETS) rows.push(...(await measureMarket(m.households, m.cases, m.fees)))
const gasPerSigner = rows.find((r) => r.case === 'batch-100-attested-all')!.gasPerSigner as number
rows.push(...(await measureBls(gasPerSigner)))

if (!json) {
  console.log('gas per trade: GridletSettlement.settle (attested) vs one ERC-20 transfer per trade (anvil, same run)')
  console.table(rows.map(({ bench: _, ...r }) => r))
  const b100 = rows.find((r) => r.case === 'batch-100-attested')!
  const all = rows.find((r) => r.case === 'batch-100-attested-all')!
  console.log(
    `batch-100-attested: ${b100.gasPerTrade} gas/trade with ${b100.signers} of ${b100.households} households signing ` +
      `(target <= 13000), ${b100.ratio}x cheaper than transfers (target >= 3)`,
  )
  console.log(`marginal gas of one attestation (ecrecover path): ${all.gasPerSigner}`)
  for (const [suffix, label] of [
    ['', 'keys in storage'],
    ['-calldata-keys', 'keys in calldata'],
  ] as const) {
    // Linear in the signers: the fixed part (hash to G2, pairing) and the per-signer part (key, G1ADD) from the ends.
    const [n0, n1] = [BLS_SIGNERS[0]!, BLS_SIGNERS.at(-1)!]
    const gasAt = (n: number) => rows.find((r) => r.case === `attest-bls-${n}${suffix}`)!.gas as number
    const perSigner = (gasAt(n1) - gasAt(n0)) / (n1 - n0)
    const fixed = gasAt(n0) - n0 * perSigner
    const breakEven =
      perSigner < gasPerSigner
        ? `cheaper than one ecrecover per signer from ${Math.ceil(fixed / (gasPerSigner - perSigner))} signers on`
        : 'never cheaper than one ecrecover per signer'
    console.log(
      `BLS aggregate, ${label}: ~${Math.round(fixed)} gas + ~${Math.round(perSigner)} per signer; ${breakEven}`,
    )
  }
  const fees = rows.find((r) => r.case === 'batch-100-attested-fees')!
  console.log(`batch-100-attested-fees: ${fees.gasPerTrade} gas/trade, ${fees.feeOverheadPerTrade} more than plain`)
  console.log(
    'ratio: vs transfers between holders; ratioEmptyRecipient: vs the same transfers to sellers without tokens',
  )
}

/**
 * Gas of one aggregate BLS verification for each of BLS_SIGNERS, keys from storage and from calldata, beside the
 * ecrecover attestations of the same number of signers (`gasPerSigner` measured above).
 */
async function measureBls(gasPerSigner: number): Promise<Record<string, unknown>[]> {
  const anvil = await startAnvil()
  try {
    const chain = localChain(anvil.chainId, anvil.rpcUrl)
    const pub = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 20 })
    const account = privateKeyToAccount(devKeys(1)[0]!.privateKey)
    const wallet = createWalletClient({ account, chain, transport: http(anvil.rpcUrl), pollingInterval: 20 })
    const households = blsHouseholds(Math.max(...BLS_SIGNERS))
    const bench = await deployBlsBench(wallet, pub, households)
    const out: Record<string, unknown>[] = []
    for (const signers of BLS_SIGNERS) {
      const root = keccak256(toHex(`bls-${signers}`))
      const attestation = signAggregate(households, [...Array(signers).keys()], root)
      for (const keys of ['stored', 'calldata'] as const) {
        const gas = Number(await verifyGas(wallet, pub, bench, root, attestation, keys))
        const ecrecoverGas = signers * gasPerSigner
        const row = {
          bench: 'gas',
          case: `attest-bls-${signers}${keys === 'calldata' ? '-calldata-keys' : ''}`,
          signers,
          gas,
          ecrecoverGas,
          ratio: Number((ecrecoverGas / gas).toFixed(2)),
        }
        out.push(row)
        if (json) console.log(JSON.stringify(row))
      }
    }
    return out
  } finally {
    await anvil.stop()
  }
}

async function measureMarket(households: number, cases: Case[], fees = false): Promise<Record<string, unknown>[]> {
  const dev = await startDevChain({ households, ...(fees && { fees: FEES }) })
  try {
    const chain = localChain(dev.chainId, dev.rpcUrl)
    const pub = createPublicClient({ chain, transport: http(dev.rpcUrl), pollingInterval: 20 })
    const wallet = (key: Hex) =>
      createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(dev.rpcUrl), pollingInterval: 20 })
    const submitter = wallet(dev.accounts[0]!.privateKey)
    const index = await readHouseholds(pub, {
      settlement: dev.settlement,
      accounts: dev.accounts.map((a) => a.address),
    })
    const quorum = Number(
      await pub.readContract({ address: dev.settlement, abi: settlementAbi, functionName: 'quorum' }),
    )
    await fundWallets(dev)
    // Recent intervals (inside the settlement window), all in one 128-interval flag word.
    // After the registry boundary of the registrations: the contract counts quorum and membership per interval.
    const now = await pastRegistry(dev.rpcUrl, dev.settlement, 600n)
    let interval = ((now / 900n - 400n) / 128n) * 128n + 1n
    const domain = marketDomain(dev.chainId, dev.settlement)

    const settle = async (trades: number, shape: Shape, signers: number) => {
      const feePerWh = fees ? FEE_PER_WH : undefined
      const book = await buildBook({
        domain,
        market: dev.market,
        interval,
        keys: dev.accounts,
        trades,
        shape,
        feePerWh,
      })
      const signing = dev.accounts.slice(0, signers)
      const feeRecipient = fees ? FEES.recipient : undefined
      const agreement = agreementFor(book, { domain, market: dev.market, interval, signers: signing, feeRecipient })
      const batch = encodeSettlement(interval++, book.orders, book.trades, index, agreement)
      const hash = await settleBatch(submitter, { settlement: dev.settlement, batch })
      const receipt = await pub.waitForTransactionReceipt({ hash })
      if (receipt.status !== 'success') throw new Error(`settle reverted: ${hash}`)
      return { book, gas: receipt.gasUsed }
    }
    await settle(1, 'staircase', quorum) // warms the flag word, not reported

    const out: Record<string, unknown>[] = []
    const gasOf = new Map<string, bigint>()
    for (const c of cases) {
      const signers = c.allSign ? households : quorum
      const { book, gas } = await settle(c.trades, c.shape, signers)
      gasOf.set(c.name, gas)
      const baseline = await transferBaseline(book, false)
      const baselineEmpty = await transferBaseline(book, true)
      const gasPerTrade = Math.round(Number(gas) / c.trades)
      const quorumCase = c.allSign ? gasOf.get(c.name.replace(/-all$/, '')) : undefined
      const plain = fees ? rows.find((r) => r.case === c.name.replace(/-fees$/, '')) : undefined
      const row = {
        bench: 'gas',
        case: c.name,
        households,
        signers,
        trades: c.trades,
        orders: book.orders.length,
        gasPerTrade,
        baselineGasPerTrade: baseline,
        ratio: Number((baseline / gasPerTrade).toFixed(2)),
        baselineEmptyRecipientGasPerTrade: baselineEmpty,
        ratioEmptyRecipient: Number((baselineEmpty / gasPerTrade).toFixed(2)),
        ...(quorumCase === undefined
          ? {}
          : { gasPerSigner: Math.round(Number(gas - quorumCase) / (households - quorum)) }),
        ...(plain && { feeOverheadPerTrade: gasPerTrade - (plain.gasPerTrade as number) }),
      }
      out.push(row)
      if (json) console.log(JSON.stringify(row))
    }
    return out

    /**
     * Sends each trade's amount from buyer to seller as its own ERC-20 transfer; mean gas per transfer. With
     * `emptyRecipients`, each seller is replaced by a fresh address (its first transfer creates the balance): the
     * cost of the same trades among households that hold no tokens yet.
     */
    async function transferBaseline(book: Book, emptyRecipients: boolean): Promise<number> {
      const fresh = new Map<string, Address>()
      const recipient = (seller: Address) => {
        if (!emptyRecipients) return seller
        if (!fresh.has(seller))
          fresh.set(seller, privateKeyToAddress(keccak256(toHex(`${seller}-${interval}-${fresh.size}`))))
        return fresh.get(seller)!
      }
      const byId = new Map(book.orders.map((o) => [o.id, o.order]))
      const keyOf = new Map(dev.accounts.map((a) => [a.address, a.privateKey]))
      let total = 0n
      for (const t of book.trades) {
        const buyer = byId.get(t.buyId)!.account
        const seller = byId.get(t.sellId)!.account
        const hash = await wallet(keyOf.get(buyer)!).writeContract({
          address: dev.token,
          abi: testTokenAbi,
          functionName: 'transfer',
          args: [recipient(seller), t.amount],
        })
        total += (await pub.waitForTransactionReceipt({ hash })).gasUsed
      }
      return Math.round(Number(total) / book.trades.length)
    }

    /** Gives every household a token wallet balance, so baseline transfers never create a balance from zero. */
    async function fundWallets(d: DevChain) {
      const op = wallet(d.operator.privateKey)
      for (const a of d.accounts) {
        const hash = await op.writeContract({
          address: d.token,
          abi: testTokenAbi,
          functionName: 'mint',
          args: [a.address, 10n ** 12n],
        })
        await pub.waitForTransactionReceipt({ hash })
      }
    }
  } finally {
    await dev.stop()
  }
}
