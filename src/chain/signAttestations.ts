import type { Address, Hex } from 'viem'
import type { MarketDomain } from '../core/order/types.js'
import { signAnnouncement } from '../core/protocol/announcements.js'
import type { Attestation } from './encodeSettlement.js'

/**
 * Signs an interval's `Result(market, interval, setHash, root)` with each key, exactly as a node signs its result
 * announcement (core `signAnnouncement`): for callers that hold every household's key (simulations, tests,
 * benchmarks). Nodes collect the same signatures from gossip instead.
 *
 * @example
 * const attestations = signAttestations(keys.slice(0, quorum), domain, { market, interval, setHash, root })
 */
export function signAttestations(
  keys: readonly { readonly address: Address; readonly privateKey: Hex }[],
  domain: MarketDomain,
  result: { readonly market: Hex; readonly interval: bigint; readonly setHash: Hex; readonly root: Hex },
): Attestation[] {
  return keys.map((k) => {
    // tradeCount travels in the gossip message but is not part of the signed typed data.
    const body = { ...result, tradeCount: 0, account: k.address }
    return {
      account: k.address,
      setHash: result.setHash,
      signature: signAnnouncement(k.privateKey, domain, body).signature,
    }
  })
}
