import { type Address, bytesToHex, type Hex } from 'viem'
import { type HDKey, hdKeyToAccount, mnemonicToAccount } from 'viem/accounts'
import { ChainError, ChainErrorCode } from './errors.js'

/** anvil's public test mnemonic. Keys derived from it are DEV KEYS: everyone knows them. */
export const ANVIL_TEST_MNEMONIC = 'test test test test test test test test test test test junk'

export interface DevKey {
  readonly address: Address
  /** Private key derived from anvil's public test mnemonic: never use it on a real chain. */
  readonly privateKey: Hex
}

/**
 * The first `count` accounts of anvil's test mnemonic (m/44'/60'/0'/0/i), index 0 first.
 *
 * @example
 * const [operator, ...households] = devKeys(4)
 */
export function devKeys(count: number, mnemonic = ANVIL_TEST_MNEMONIC): DevKey[] {
  // Derive the seed once (path "m" yields the master key), then each account from it.
  const master = mnemonicToAccount(mnemonic, { path: 'm' } as never).getHdKey() as HDKey
  return Array.from({ length: count }, (_, i) => {
    const account = hdKeyToAccount(master, { addressIndex: i })
    const key = account.getHdKey().privateKey
    if (!key) throw new ChainError(`no private key derived for account ${i}`, { code: ChainErrorCode.DevKey })
    return { address: account.address, privateKey: bytesToHex(key) }
  })
}
