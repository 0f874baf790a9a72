/**
 * Gas per trade of `GridletSettlement.settle` on anvil, beside the baseline measured in the same run: one plain
 * ERC-20 `transfer` per trade (buyer to seller, on the same token, both already holding tokens: the cheapest
 * transfer there is, so `ratio` is conservative). `ratioEmptyRecipient` compares with the same transfers to sellers
 * that hold no tokens yet (a transfer that creates a balance).
 *
 * Books are shaped as a double auction clears them ('staircase': walking sorted buyers and sellers, consecutive
 * trades share an order, n trades fill n + 1 orders, one order per household). `batch-100-pairs` is the worst case
 * (each trade its own buyer and seller). The settled-interval bitmap word is warm (as for 255 of 256 intervals).
 *
 *   npm run bench:gas            readable table
 *   npm run bench:gas -- --json  one JSON object per line
 */
import { type Address, createPublicClient, createWalletClient, type Hex, http, keccak256, toHex } from 'viem'
import { privateKeyToAccount, privateKeyToAddress } from 'viem/accounts'
import { localChain, testTokenAbi } from '../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../src/chain/devChain.js'
import { encodeSettlement } from '../src/chain/encodeSettlement.js'
import { readHouseholds } from '../src/chain/readHouseholds.js'
import { settleBatch } from '../src/chain/settleBatch.js'
import { type Book, buildBook, marketDomain } from '../test/chain/orders.js'

const json = process.argv.includes('--json')
const CASES = [
  { name: 'batch-1', trades: 1, shape: 'staircase' },
  { name: 'batch-10', trades: 10, shape: 'staircase' },
  { name: 'batch-100', trades: 100, shape: 'staircase' },
  { name: 'batch-300', trades: 300, shape: 'staircase' },
  { name: 'batch-100-pairs', trades: 100, shape: 'pairs' },
] as const

const dev = await startDevChain({ households: 302 })
try {
  const chain = localChain(dev.chainId, dev.rpcUrl)
  const pub = createPublicClient({ chain, transport: http(dev.rpcUrl), pollingInterval: 20 })
  const wallet = (key: Hex) =>
    createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(dev.rpcUrl), pollingInterval: 20 })
  const submitter = wallet(dev.accounts[0]!.privateKey)
  const households = await readHouseholds(pub, {
    settlement: dev.settlement,
    accounts: dev.accounts.map((a) => a.address),
  })
  await fundWallets(dev)

  let interval = 256n * 100_000n
  const settle = async (trades: number, shape: 'staircase' | 'pairs') => {
    const domain = marketDomain(dev.chainId, dev.settlement)
    const book = await buildBook({ domain, market: dev.market, interval, keys: dev.accounts, trades, shape })
    const batch = encodeSettlement(interval++, book.orders, book.trades, households)
    const hash = await settleBatch(submitter, { settlement: dev.settlement, batch })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new Error(`settle reverted: ${hash}`)
    return { book, gas: receipt.gasUsed }
  }
  await settle(1, 'staircase') // warms the bitmap word, not reported

  const rows = []
  for (const c of CASES) {
    const { book, gas } = await settle(c.trades, c.shape)
    const baseline = await transferBaseline(book, false)
    const baselineEmpty = await transferBaseline(book, true)
    const gasPerTrade = Math.round(Number(gas) / c.trades)
    const row = {
      bench: 'gas',
      case: c.name,
      trades: c.trades,
      orders: book.orders.length,
      gasPerTrade,
      baselineGasPerTrade: baseline,
      ratio: Number((baseline / gasPerTrade).toFixed(2)),
      baselineEmptyRecipientGasPerTrade: baselineEmpty,
      ratioEmptyRecipient: Number((baselineEmpty / gasPerTrade).toFixed(2)),
    }
    rows.push(row)
    if (json) console.log(JSON.stringify(row))
  }
  if (!json) {
    console.log('gas per trade: GridletSettlement.settle vs one ERC-20 transfer per trade (anvil, same run)')
    console.table(rows.map(({ bench: _, ...r }) => r))
    const b100 = rows.find((r) => r.case === 'batch-100')!
    console.log(`batch-100: ${b100.gasPerTrade} gas/trade (target <= 14000), ${b100.ratio}x cheaper (target >= 3)`)
    console.log(
      'ratio: vs transfers between holders; ratioEmptyRecipient: vs the same transfers to sellers without tokens',
    )
  }

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
