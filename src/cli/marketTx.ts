import { type Address, encodeFunctionData, type Hex } from 'viem'
import { estimateGas, readContract } from 'viem/actions'
import { settlementAbi } from '../chain/contracts.js'
import { toChainError } from '../chain/describeRevert.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { meterText } from '../chain/meterId.js'
import { type SentTx, sendTransactionOnce, type TxPlan } from '../chain/sendTransactionOnce.js'
import { formatNative } from './amounts.js'
import type { CliIo } from './cliIo.js'
import type { HouseholdCsvRow } from './householdCsv.js'
import { type MarketContext, type SigningContext, sendHooks } from './marketContext.js'

/**
 * A transaction plan calling the settlement contract; its journal key is the call itself, so the same call retried
 * finds its earlier attempt.
 *
 * @example
 * const plan = settlementCall(ctx, 'remove', [account], `remove ${account}`)
 */
export function settlementCall(
  ctx: Pick<MarketContext, 'contract' | 'chainId'>,
  functionName: 'register' | 'remove' | 'rotateKey' | 'deposit' | 'requestWithdrawal' | 'withdraw',
  args: readonly unknown[],
  description: string,
): TxPlan {
  const data = encodeFunctionData({ abi: settlementAbi, functionName, args } as never) as Hex
  return {
    key: `${functionName}:${ctx.chainId}:${ctx.contract}:${args.map(String).join(':')}`.toLowerCase(),
    description,
    to: ctx.contract,
    data,
  }
}

/**
 * Sends one plan with the context's journal and hooks; prints the outcome with the gas used.
 *
 * @example
 * await send(io, ctx, settlementCall(ctx, 'withdraw', [], 'withdraw'))
 */
export async function send(
  io: CliIo,
  ctx: SigningContext,
  plan: TxPlan,
  opts: { ask?: boolean } = {},
): Promise<SentTx> {
  const sent = await sendTransactionOnce(ctx.signer, {
    journal: ctx.journal,
    plan,
    progress: ctx.hooks.progress,
    // Without a question (one of a confirmed batch) the gas estimate is still printed.
    confirm: opts.ask === false ? sendHooks(io, { yes: true }, ctx.native).confirm : ctx.hooks.confirm,
    rpcUrl: ctx.rpcUrl,
    pollMs: ctx.signer.pollingInterval,
    receiptTimeoutMs: ctx.receiptTimeoutMs,
  })
  const r = sent.receipt
  io.progress('')
  io.out(
    sent.resumed
      ? `${plan.description}: done earlier in block ${r.blockNumber} (tx ${sent.hash}); not sent again`
      : `${plan.description}: mined in block ${r.blockNumber}, gas used ${r.gasUsed} (${formatNative(r.gasUsed * r.effectiveGasPrice, ctx.native)}), tx ${sent.hash}`,
  )
  return sent
}

/** What a registration row needs: register it, nothing (already done), or a conflict with the registry. */
export interface RegistrationStep {
  readonly row: HouseholdCsvRow
  readonly action: 'register' | 'skip' | 'conflict'
  readonly reason: string
  readonly plan: TxPlan
  readonly gas?: bigint
}

/**
 * Judges each row against the registry (state first, so a repeated registration sends nothing) and, for rows to
 * register, estimates the gas as the signer: a revert (e.g. not the operator) becomes the row's conflict.
 *
 * @example
 * const steps = await planRegistrations(ctx, parseHouseholdCsv(text))
 */
export async function planRegistrations(
  ctx: SigningContext,
  rows: readonly HouseholdCsvRow[],
): Promise<RegistrationStep[]> {
  const view = (functionName: 'meterOf' | 'accountOfMeter', arg: Address | Hex) =>
    readContract(ctx.client, {
      address: ctx.contract,
      abi: settlementAbi,
      functionName,
      args: [arg],
    } as never) as Promise<Hex | Address>
  const steps: RegistrationStep[] = []
  for (const row of rows) {
    const plan = settlementCall(
      ctx,
      'register',
      [row.account, row.meterId],
      `register ${row.account} (meter ${row.meter})`,
    )
    const [meterOf, holder] = await Promise.all([
      view('meterOf', row.account),
      view('accountOfMeter', row.meterId),
    ]).catch((err: unknown) => {
      throw toChainError(err, { rpcUrl: ctx.rpcUrl })
    })
    const free = /^0x0+$/
    if (meterOf.toLowerCase() === row.meterId.toLowerCase()) {
      steps.push({ row, plan, action: 'skip', reason: 'already registered with this meter' })
    } else if (!free.test(meterOf)) {
      steps.push({
        row,
        plan,
        action: 'conflict',
        reason: `account is registered with meter ${meterText(meterOf)} (rotate or remove it first)`,
      })
    } else if (!free.test(holder)) {
      steps.push({ row, plan, action: 'conflict', reason: `meter is registered to ${holder}` })
    } else if (sentEarlier(ctx, plan)) {
      // No estimate: a node that estimates against its pending state would call the earlier attempt a conflict.
      steps.push({ row, plan, action: 'register', reason: 'sent earlier, not mined yet: checking that transaction' })
    } else {
      try {
        const gas = await estimateGas(ctx.signer, { account: ctx.signer.account, to: plan.to, data: plan.data })
        steps.push({ row, plan, action: 'register', reason: 'to register', gas })
      } catch (err) {
        const e = toChainError(err, { rpcUrl: ctx.rpcUrl })
        if (e.code === ChainErrorCode.RpcDown) throw e
        steps.push({ row, plan, action: 'conflict', reason: e.shortMessage })
      }
    }
  }
  return steps
}

/** Whether the journal holds an unresolved attempt of this plan (a retry after a receipt timeout). */
function sentEarlier(ctx: SigningContext, plan: TxPlan): boolean {
  return ctx.journal.unresolved(ctx.chainId, ctx.signer.account.address).some((e) => e.key === plan.key)
}

/**
 * Throws CHAIN_REFUSED (CHAIN_NOT_OPERATOR for a missing role) listing the conflicting rows: a batch with conflicts
 * sends nothing.
 *
 * @example
 * refuseConflicts(await planRegistrations(ctx, rows))
 */
export function refuseConflicts(steps: readonly RegistrationStep[]): void {
  const conflicts = steps.filter((s) => s.action === 'conflict')
  if (conflicts.length === 0) return
  const code = conflicts.some((c) => c.reason.includes('operator role'))
    ? ChainErrorCode.NotOperator
    : ChainErrorCode.Refused
  if (steps.length === 1)
    throw new ChainError(`cannot register ${conflicts[0]!.row.account}: ${conflicts[0]!.reason}`, { code })
  throw new ChainError(`${conflicts.length} of ${steps.length} households cannot be registered; nothing was sent`, {
    code,
    details: conflicts.map((c) => `line ${c.row.line}: ${c.row.account} ${c.row.meter}: ${c.reason}`).join('; '),
  })
}
