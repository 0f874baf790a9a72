import type { Command } from 'commander'
import { type Address, encodeFunctionData, erc20Abi, getAddress, isAddress, maxUint128 } from 'viem'
import { describeRevert } from '../chain/describeRevert.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { readEscrow } from '../chain/readEscrow.js'
import { keystoreAddress } from '../keystore/keystoreFile.js'
import { formatAmount, formatNative, parseAmount } from './amounts.js'
import { type CliIo, run, terminalIo } from './cliIo.js'
import {
  journalOption,
  keystoreOption,
  type MarketOptions,
  marketOption,
  openMarket,
  passFileOption,
  pollOption,
  receiptTimeoutOption,
  rpcOption,
  type SigningContext,
  yesOption,
} from './marketContext.js'
import { send, settlementCall } from './marketTx.js'

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z')

/** Registers `gridlet escrow …`: a household's deposit, withdrawal request, withdrawal and status. */
export function registerEscrowCommands(program: Command, io: CliIo = terminalIo): void {
  const escrow = program
    .command('escrow')
    .description("the household's escrow on the settlement contract (amounts in the token's display unit)")
  const common = (c: Command, sign = true) => {
    c.addOption(marketOption())
      .option(
        '-c, --config <path>',
        'the node config (its keystore, chain and contract) when no --market is given',
        'gridlet.yaml',
      )
      .addOption(rpcOption())
      .option('--raw', "amounts in the token's smallest units")
    if (sign)
      c.addOption(keystoreOption())
        .addOption(passFileOption())
        .addOption(journalOption())
        .addOption(yesOption())
        .addOption(pollOption())
        .addOption(receiptTimeoutOption())
    return c
  }

  common(
    escrow
      .command('deposit')
      .description('deposit AMOUNT into escrow (approves the escrow for it first if needed)')
      .argument('<amount>'),
  ).action(
    run(io, async (text: string, o: MarketOptions) => {
      const ctx = await openMarket(io, o, { sign: true })
      const amount = positive(parseAmount(text, ctx.token, o.raw))
      const me = ctx.signer.account.address
      const s = await state(ctx)
      const show = (x: bigint) => formatAmount(x, ctx.token, o.raw)
      if (s.index === 0) throw refused('UnknownAccount', [me])
      if (s.wallet < amount && !(await depositedEarlier(ctx, amount))) {
        throw new ChainError(`your token balance is ${show(s.wallet)}, the deposit needs ${show(amount)}`, {
          code: ChainErrorCode.Refused,
          details: `${me} holds ${show(s.wallet)} outside the escrow`,
        })
      }
      if (s.allowance < amount && !(await depositedEarlier(ctx, amount))) {
        // Exactly the amount, never an unlimited allowance: the escrow can take no more than the household meant.
        await send(io, ctx, {
          key: `approve:${ctx.chainId}:${ctx.token.address}:${ctx.contract}:${me}:${amount}`.toLowerCase(),
          description: `allow the escrow to take ${show(amount)}`,
          to: ctx.token.address,
          data: encodeFunctionData({ abi: erc20Abi, functionName: 'approve', args: [ctx.contract, amount] }),
        })
      }
      await send(io, ctx, depositPlan(ctx, amount, show(amount)))
      const after = await state(ctx)
      io.out(`escrow balance ${show(after.balance)} (available to buy with ${show(after.available)})`)
    }),
  )

  common(
    escrow
      .command('withdraw-request')
      .description('announce a withdrawal of AMOUNT (executable after the withdrawal delay; 0 cancels a request)')
      .argument('<amount>')
      .option('--renew', 'send even if the same amount is already requested (restarts the delay)'),
  ).action(
    run(io, async (text: string, o: MarketOptions & { renew?: boolean }) => {
      const ctx = await openMarket(io, o, { sign: true })
      const amount = parseAmount(text, ctx.token, o.raw)
      if (amount > maxUint128)
        throw new ChainError('amount too large', { code: ChainErrorCode.InvalidInput, field: 'amount' })
      const show = (x: bigint) => formatAmount(x, ctx.token, o.raw)
      const s = await state(ctx)
      const live = s.withdrawalState === 'waiting' || s.withdrawalState === 'ready'
      if (!o.renew && ((live && s.withdrawal.amount === amount) || (amount === 0n && s.withdrawalState === 'none'))) {
        return io.out(
          amount === 0n
            ? 'no withdrawal requested: nothing to cancel'
            : `${show(amount)} is already requested, executable from ${iso(s.withdrawal.readyAt)}: nothing sent (--renew restarts the delay)`,
        )
      }
      if (amount > s.balance)
        io.err(`note: the escrow balance is ${show(s.balance)}; the withdrawal pays at most the balance`)
      const what = amount === 0n ? 'cancel the withdrawal request' : `request a withdrawal of ${show(amount)}`
      await send(io, ctx, settlementCall(ctx, 'requestWithdrawal', [amount], what))
      const after = await state(ctx)
      if (amount > 0n)
        io.out(`executable from ${iso(after.withdrawal.readyAt)} until ${iso(after.withdrawal.expiresAt)}`)
    }),
  )

  common(escrow.command('withdraw').description('execute the ready withdrawal request')).action(
    run(io, async (o: MarketOptions) => {
      const ctx = await openMarket(io, o, { sign: true })
      const me = ctx.signer.account.address
      const show = (x: bigint) => formatAmount(x, ctx.token, o.raw)
      const s = await state(ctx)
      const plan = settlementCall(ctx, 'withdraw', [], `withdraw the requested ${show(s.withdrawal.amount)}`)
      // An earlier withdraw that was mined after a timeout already cleared the request: the journal finds it.
      if (s.withdrawalState !== 'ready' && ctx.journal.unresolved(ctx.chainId, me).every((e) => e.key !== plan.key)) {
        if (s.withdrawalState === 'none') throw refused('NoWithdrawalRequested', [me])
        if (s.withdrawalState === 'waiting') throw refused('WithdrawalNotReady', [me, s.withdrawal.readyAt])
        throw refused('WithdrawalExpired', [me, s.withdrawal.expiresAt])
      }
      const before = s.wallet
      await send(io, ctx, plan)
      const after = await state(ctx)
      io.out(`received ${show(after.wallet - before)}; escrow balance ${show(after.balance)}`)
    }),
  )

  common(
    escrow
      .command('status')
      .description('escrow balance, reserved, available, pending withdrawal and when it is ready'),
    false,
  )
    .option('--account <address>', 'whose escrow (default: the keystore account)')
    .addOption(keystoreOption())
    .action(
      run(io, async (o: MarketOptions & { account?: string }) => {
        const ctx = await openMarket(io, o)
        const account = o.account ? addressOf(o.account) : keystoreAddress(o.keystore ?? ctx.keystore ?? noKeystore())
        const s = await readEscrow(ctx.client, { settlement: ctx.contract, token: ctx.token.address, account })
        const show = (x: bigint) => formatAmount(x, ctx.token, o.raw)
        const w = s.withdrawal
        const when =
          s.withdrawalState === 'waiting'
            ? `ready at ${iso(w.readyAt)}`
            : s.withdrawalState === 'ready'
              ? `ready now (until ${iso(w.expiresAt)})`
              : `expired at ${iso(w.expiresAt)}`
        io.out(
          `account     ${account}${s.registered ? ` (household ${s.index})` : s.index ? ` (household ${s.index}, removed)` : ' (not registered)'}`,
        )
        io.out(`balance     ${show(s.balance)}`)
        io.out(`reserved    ${show(s.reserved)}`)
        io.out(`available   ${show(s.available)}`)
        io.out(`withdrawal  ${s.withdrawalState === 'none' ? 'none' : `${show(w.amount)}, ${when}`}`)
        io.out(`wallet      ${show(s.wallet)} outside escrow, ${formatNative(s.gasBalance, ctx.native)} for gas`)
      }),
    )
}

function depositPlan(ctx: SigningContext, amount: bigint, shown: string) {
  return settlementCall(ctx, 'deposit', [amount], `deposit ${shown}`)
}

/** Whether the journal holds an unresolved deposit of this amount (its approval and tokens are already spent). */
async function depositedEarlier(ctx: SigningContext, amount: bigint): Promise<boolean> {
  const key = depositPlan(ctx, amount, '').key
  return ctx.journal.unresolved(ctx.chainId, ctx.signer.account.address).some((e) => e.key === key)
}

function state(ctx: SigningContext) {
  return readEscrow(ctx.client, {
    settlement: ctx.contract,
    token: ctx.token.address,
    account: ctx.signer.account.address,
  })
}

function positive(amount: bigint): bigint {
  if (amount <= 0n)
    throw new ChainError('the amount must be more than 0', { code: ChainErrorCode.InvalidInput, field: 'amount' })
  return amount
}

function addressOf(text: string): Address {
  if (!isAddress(text, { strict: false })) {
    throw new ChainError(`${text} is not an address`, { code: ChainErrorCode.InvalidInput, field: 'account' })
  }
  return getAddress(text)
}

function noKeystore(): never {
  throw new ChainError('no account: pass --account, --keystore, or -c with a node config', {
    code: ChainErrorCode.InvalidInput,
    field: 'account',
  })
}

function refused(name: string, args: readonly unknown[]): ChainError {
  return new ChainError(describeRevert({ name, args }), { code: ChainErrorCode.Refused, revert: { name, args } })
}
