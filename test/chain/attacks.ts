/**
 * The settlement attack catalogue, one file per theme in attacks/: each attack is what a household, the operator or
 * a token could try against `GridletSettlement` on a real chain, with the custom error that must refuse it. One
 * implementation, run by test/chain/attacks.test.ts and by `npm run audit:settlement` (bench/audit.ts).
 *
 * Attacks on trades and orders are sent with a quorum's attestations of the tampered batch, i.e. as if a quorum of
 * households colluded: the per-order checks hold even then. Attacks that move the chain's time run last.
 */
import { ATTESTATION_ATTACKS } from './attacks/attestation.js'
import { FEE_ATTACKS } from './attacks/fees.js'
import type { Attack } from './attacks/helpers.js'
import { REGISTRY_AND_ESCROW_ATTACKS } from './attacks/registryAndEscrow.js'
import { TIME_MOVING_ATTACKS } from './attacks/timeMoving.js'
import { TRADE_AND_ORDER_ATTACKS } from './attacks/tradesAndOrders.js'

export type { Attack }

export const ATTACKS: readonly Attack[] = [
  ...ATTESTATION_ATTACKS,
  ...TRADE_AND_ORDER_ATTACKS,
  ...REGISTRY_AND_ESCROW_ATTACKS,
  ...FEE_ATTACKS,
  ...TIME_MOVING_ATTACKS,
]
