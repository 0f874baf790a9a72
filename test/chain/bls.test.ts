/** The measurement-only BLS aggregate check (GridletBlsBench) on the pinned anvil: it accepts exactly the right signature. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  type Transport,
  toHex,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gridletBlsBench } from '../../protocols/contracts/bench/artifacts.js'
import {
  blsHouseholds,
  deployBlsBench,
  encodeG2,
  hashRoot,
  signAggregate,
  verifyGas,
} from '../../protocols/contracts/bench/blsBench.js'
import { BENCH, buildArtifacts } from '../../protocols/contracts/build.js'
import { type Anvil, startAnvil } from '../../src/chain/anvil.js'
import { localChain } from '../../src/chain/contracts.js'
import { devKeys } from '../../src/chain/devAccounts.js'

const households = blsHouseholds(8)
const root = keccak256(toHex('interval 42 settlement root'))
const signers = [0, 2, 3, 5, 6, 7]

let anvil: Anvil
let pub: PublicClient
let wallet: WalletClient<Transport, Chain, Account>
let bench: Hex

beforeAll(async () => {
  anvil = await startAnvil()
  const chain = localChain(anvil.chainId, anvil.rpcUrl)
  pub = createPublicClient({ chain, transport: http(anvil.rpcUrl), pollingInterval: 20 })
  wallet = createWalletClient({
    account: privateKeyToAccount(devKeys(1)[0]!.privateKey),
    chain,
    transport: http(anvil.rpcUrl),
    pollingInterval: 20,
  })
  bench = await deployBlsBench(wallet, pub, households)
}, 30_000)
afterAll(() => anvil?.stop())

const common = () => ({ address: bench, abi: gridletBlsBench.abi, account: wallet.account }) as const

describe('GridletBlsBench', () => {
  it('hashes the root to G2 on chain exactly as RFC 9380 (noble) does', async () => {
    const onChain = await pub.readContract({ ...common(), functionName: 'hashToG2', args: [root] })
    expect(onChain).toBe(encodeG2(hashRoot(root)))
  })

  it('accepts the aggregate signature of the signers in the bitmap, keys from storage or from calldata', async () => {
    const att = signAggregate(households, signers, root)
    expect(await verifyGas(wallet, pub, bench, root, att, 'stored')).toBeGreaterThan(100_000n)
    expect(await verifyGas(wallet, pub, bench, root, att, 'calldata')).toBeGreaterThan(100_000n)
  })

  it('refuses a signature over another root, or with a signer missing from the bitmap', async () => {
    const other = signAggregate(households, signers, keccak256(toHex('another root')))
    const good = signAggregate(households, signers, root)
    const missing = signAggregate(households, signers.slice(1), root)
    for (const [bitmap, signature] of [
      [good.bitmap, other.signature],
      [good.bitmap, missing.signature],
      [missing.bitmap, good.signature],
    ] as const) {
      await expect(
        pub.simulateContract({ ...common(), functionName: 'verifyStored', args: [root, bitmap, signature] }),
      ).rejects.toThrow(/InvalidSignature/)
    }
  })

  it('refuses a calldata key that is not the stored one, and a household without a key', async () => {
    const att = signAggregate(households, signers, root)
    const swapped = signAggregate(households, [1, ...signers.slice(1)], root).keys
    await expect(
      pub.simulateContract({
        ...common(),
        functionName: 'verifyCalldata',
        args: [root, att.bitmap, swapped, att.signature],
      }),
    ).rejects.toThrow(/UnknownKey/)
    await expect(
      pub.simulateContract({
        ...common(),
        functionName: 'verifyStored',
        args: [root, att.bitmap | (1n << 9n), att.signature],
      }),
    ).rejects.toThrow(/UnknownKey/)
  })
})

it('the committed bench contract artifacts match the Solidity source (run npm run contracts:build)', () => {
  const committed = readFileSync(join(import.meta.dirname, '..', '..', BENCH.path), 'utf8')
  expect(buildArtifacts(BENCH) === committed, `${BENCH.path} is stale: run npm run contracts:build`).toBe(true)
}, 120_000)
