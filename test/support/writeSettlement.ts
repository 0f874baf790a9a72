import { createWalletClient, type Hex, http, type PublicClient, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { localChain, settlementAbi } from '../../src/chain/contracts.js'
import type { DevChain } from '../../src/chain/devChain.js'

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
