import type { Address, Hex } from 'viem'
import { GridletError } from '../core/errors.js'
import { type HouseholdRegistry, registeredFor } from './binding.js'

/**
 * The pure rules of interval agreement. Every honest node applies them to what it received, so nodes that
 * received the same digests and results decide the same thing.
 */

/** Parameters of agreement, derived from the registry size unless configured. */
export interface AgreementRules {
  /** Households assumed possibly Byzantine (default floor((n - 1) / 3)). */
  readonly maxFaulty: number
  /** Result roots needed to call an interval agreed (default a majority of registered households). */
  readonly quorum: number
}

/**
 * The quorum of an interval, as the settlement contract counts it: a majority, floor(n / 2) + 1, of the `n`
 * households registered for that interval (not at the node's start: the registry changes at interval boundaries).
 *
 * @example
 * majorityQuorum(7) // 4
 */
export function majorityQuorum(registered: number): number {
  return Math.floor(registered / 2) + 1
}

/**
 * The rules of one interval from the size of the registry that applies to it. A configured `maxFaulty` overrides
 * the derived value; a configured `quorum` can only raise the majority quorum (docs/protocol.md, "Quorum"): the
 * contract requires `quorumAt(k)` whatever a node is told, so a lower one would only agree on unsettleable roots.
 */
export function agreementRules(registrySize: number, init: Partial<AgreementRules> = {}): AgreementRules {
  const maxFaulty = init.maxFaulty ?? Math.floor(Math.max(0, registrySize - 1) / 3)
  if (!Number.isInteger(maxFaulty) || maxFaulty < 0) throw rulesError('maxFaulty', 'must be an integer >= 0')
  const q = init.quorum
  if (q !== undefined && (!Number.isInteger(q) || q < 1)) throw rulesError('quorum', 'must be an integer >= 1')
  return { maxFaulty, quorum: Math.max(q ?? 0, majorityQuorum(registrySize)) }
}

/**
 * The rules of interval `k`: derived from the households registered for it (after a register or a remove at a
 * boundary, the node's quorum is the contract's), unless configured.
 *
 * @example
 * rulesFor(registry, k, init.agreement).quorum
 */
export function rulesFor(registry: HouseholdRegistry, k: bigint, init: Partial<AgreementRules> = {}): AgreementRules {
  return agreementRules(registeredFor(registry, k).size, init)
}

function rulesError(field: string, details: string): GridletError {
  return new GridletError('invalid agreement rules', { code: 'P2P_AGREEMENT_RULES', field, details })
}

/**
 * The order set of an interval: every id listed in the digests of at least `maxFaulty + 1` distinct registered
 * households. Support from f + 1 households means at least one honest household received the order before gate
 * closure, so a Byzantine household cannot slip a late order (sniping on prices it has seen) into the book by
 * listing it in its own digest, nor make honest nodes chase ids that do not exist.
 *
 * @example
 * finalSet(digests, 1) // union of all digests
 */
export function finalSet(digests: ReadonlyMap<Address, readonly Hex[]>, maxFaulty: number): Hex[] {
  const support = new Map<Hex, number>()
  for (const ids of digests.values()) for (const id of ids) support.set(id, (support.get(id) ?? 0) + 1)
  return [...support]
    .filter(([, n]) => n > maxFaulty)
    .map(([id]) => id)
    .sort()
}

/** Votes per result root among registered households. */
export interface Tally {
  readonly votes: ReadonlyMap<Hex, number>
  /** The root with a quorum, if any (at most one exists when quorum > n / 2). */
  readonly quorumRoot: Hex | undefined
  readonly quorum: number
  readonly voters: number
}

export function tally(results: ReadonlyMap<Address, Hex>, quorum: number): Tally {
  const votes = new Map<Hex, number>()
  for (const root of results.values()) votes.set(root, (votes.get(root) ?? 0) + 1)
  let quorumRoot: Hex | undefined
  for (const [root, n] of votes)
    if (n >= quorum && (quorumRoot === undefined || n > votes.get(quorumRoot)!)) quorumRoot = root
  return { votes, quorumRoot, quorum, voters: results.size }
}
