/** What the attack files share: the attack shape and ways to tamper with an encoded batch. */
import type { Address, Hex } from 'viem'
import { deployMarket } from '../../../src/chain/deployMarket.js'
import type { AuditContext, Outcome } from '../auditContext.js'

export interface Attack {
  readonly name: string
  /** The custom error (or reason) that must refuse it. */
  readonly expected: string
  run(ctx: AuditContext): Promise<Outcome>
}

export const SECP_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** Replaces byte range [from, from + bytes) of a hex blob. */
export function patch(blob: Hex, from: number, bytesHex: string): Hex {
  return `0x${blob.slice(2, 2 + from * 2)}${bytesHex}${blob.slice(2 + from * 2 + bytesHex.length)}` as Hex
}

/** Record `i` (of `size` bytes) of a packed blob, as hex without 0x. */
export const record = (blob: Hex, size: number, i: number) => blob.slice(2 + i * size * 2, 2 + (i + 1) * size * 2)

/** A valid, attested batch for a fresh interval, tampered by `change` before the quorum signs it. */
export async function tampered(
  ctx: AuditContext,
  trades: number,
  change: (b: Awaited<ReturnType<AuditContext['book']>>) => void,
) {
  const interval = await ctx.interval()
  const book = await ctx.book(interval, trades)
  change(book)
  return { interval, book, batch: await ctx.encode(interval, book) }
}

export const registry = (ctx: AuditContext, fn: 'remove' | 'register', args: readonly unknown[]) =>
  ctx.write(ctx.operator, fn, args)

/** A settlement contract over a hostile token, with household 0 registered. */
export async function hostileMarket(ctx: AuditContext, artifact: { abi: readonly unknown[]; bytecode: Hex }) {
  const hash = await ctx.operator.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode } as never)
  const token = (await ctx.pub.waitForTransactionReceipt({ hash })).contractAddress as Address
  const { settlement } = await deployMarket(ctx.operator, { market: ctx.dev.market, token })
  const h = ctx.dev.accounts[0]!
  await ctx.write(ctx.operator, 'register', [h.address, h.meterId], settlement)
  return { settlement, token }
}
