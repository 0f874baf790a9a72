import {
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll } from 'vitest'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import { type DevChain, startDevChain } from '../../src/chain/devChain.js'

/**
 * A call of the dev chain's settlement contract signed by `key`, waited for until mined: how the chain tests act as
 * the operator or a household without going through the CLI.
 *
 * @example
 * const write = settlementWriter(() => dev, () => pub)
 * await write(dev.operator.privateKey, 'remove', [account])
 */
export function settlementWriter(dev: () => DevChain, pub: () => PublicClient) {
  return async (key: Hex, functionName: string, args: readonly unknown[]): Promise<TransactionReceipt> => {
    const d = dev()
    const wallet = createWalletClient({
      account: privateKeyToAccount(key),
      chain: localChain(d.chainId, d.rpcUrl),
      transport: http(d.rpcUrl),
    })
    const hash = await wallet.writeContract({ address: d.settlement, abi: settlementAbi, functionName, args } as never)
    return pub().waitForTransactionReceipt({ hash })
  }
}

/** A dev chain for a test file: started before its tests, stopped after them, with a public client and a writer. */
export interface DevChainFixture {
  readonly dev: DevChain
  readonly pub: PublicClient
  readonly write: ReturnType<typeof settlementWriter>
}

/**
 * Starts a dev chain of `households` for the calling test file (beforeAll / afterAll).
 *
 * @example
 * const chain = useDevChain(3)
 * it('...', async () => { await chain.write(chain.dev.operator.privateKey, 'remove', [account]) })
 */
export function useDevChain(households: number): DevChainFixture {
  let dev: DevChain | undefined
  let pub: PublicClient | undefined
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the dev chain is not started yet (use it inside a test)')
    return v
  }
  const fixture = {
    get dev() {
      return started(dev)
    },
    get pub() {
      return started(pub)
    },
    write: settlementWriter(
      () => started(dev),
      () => started(pub),
    ),
  }
  beforeAll(async () => {
    dev = await startDevChain({ households })
    pub = createPublicClient({
      chain: localChain(dev.chainId, dev.rpcUrl),
      transport: http(dev.rpcUrl),
    }) as PublicClient
  })
  afterAll(async () => dev?.stop())
  return fixture
}
