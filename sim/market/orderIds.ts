import { createKeccak, type IHasher } from 'hash-wasm'
import { type Address, bytesToHex, type Hex, hexToBytes, keccak256, stringToBytes } from 'viem'
import { ORDER_TYPE, type PreparedDomain } from '../../src/core/order/eip712.js'

/**
 * Order ids (EIP-712 digests) for the fast simulation, bit-identical to the core's `hashOrder` (a property test
 * checks it) but about 3x faster: keccak in WebAssembly over one reused buffer, fields written from plain numbers.
 * A year of 300 households is ~5 million orders, and hashing dominates fast mode.
 */
export interface OrderIdHasher {
  /** Id of the order with these fields (all below 2^53). */
  id(
    interval: number,
    side: 0 | 1,
    quantityWh: number,
    limitPrice: number,
    account: number,
    nonce: number,
    expiry: number,
  ): Hex
}

const ORDER_TYPEHASH = hexToBytes(keccak256(stringToBytes(ORDER_TYPE)))

/**
 * @param accounts household accounts; `id` takes an index into this list.
 * @example
 * const ids = await orderIdHasher(ctx.domain, ctx.market, ctx.accounts)
 * ids.id(Number(order.interval), 0, 500, 250000, 3, 0, Number(order.expiry)) === hashOrder(ctx.domain, order)
 */
export async function orderIdHasher(
  domain: PreparedDomain,
  market: Hex,
  accounts: readonly Address[],
): Promise<OrderIdHasher> {
  const keccak: IHasher = await createKeccak(256)
  const struct = new Uint8Array(9 * 32)
  struct.set(ORDER_TYPEHASH, 0)
  struct.set(hexToBytes(market), 32)
  const view = new DataView(struct.buffer)
  const digest = new Uint8Array(66)
  digest[0] = 0x19
  digest[1] = 0x01
  digest.set(domain.separator, 2)
  const accountBytes = accounts.map((a) => hexToBytes(a))
  const u64 = (offset: number, v: number) => {
    view.setUint32(offset + 24, Math.floor(v / 2 ** 32))
    view.setUint32(offset + 28, v >>> 0)
  }
  return {
    id(interval, side, quantityWh, limitPrice, account, nonce, expiry) {
      u64(64, interval)
      struct[127] = side
      u64(128, quantityWh)
      u64(160, limitPrice)
      struct.set(accountBytes[account] as Uint8Array, 204)
      u64(224, nonce)
      u64(256, expiry)
      keccak.init()
      keccak.update(struct)
      digest.set(keccak.digest('binary'), 34)
      keccak.init()
      keccak.update(digest)
      return bytesToHex(keccak.digest('binary'))
    },
  }
}
