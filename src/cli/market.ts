import { existsSync, readFileSync } from 'node:fs'
import { type Command, InvalidArgumentError } from 'commander'
import { type Address, getAddress, isAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { readContract } from 'viem/actions'
import { connectMarket } from '../chain/connectMarket.js'
import { settlementAbi } from '../chain/contracts.js'
import { deployMarketFile } from '../chain/deployMarketFile.js'
import { describeRevert } from '../chain/describeRevert.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { writeMarketFile } from '../chain/marketFile.js'
import { meterIdOf, meterText } from '../chain/meterId.js'
import { readHouseholdList } from '../chain/readHouseholdList.js'
import { loadKey } from '../keystore/keystoreFile.js'
import { formatAmount, formatNative } from './amounts.js'
import { type CliIo, run, terminalIo } from './cliIo.js'
import { parseHouseholdCsv } from './householdCsv.js'
import {
  journalOption,
  keystoreOption,
  type MarketOptions,
  marketOption,
  openJournal,
  openMarket,
  passFileOption,
  pollOption,
  receiptTimeoutOption,
  rpcOption,
  sendHooks,
  yesOption,
} from './marketContext.js'
import { registerMarketStatusCommand } from './marketStatus.js'
import { planRegistrations, refuseConflicts, send, settlementCall } from './marketTx.js'

const addressArg = (value: string): Address => {
  if (!isAddress(value, { strict: false })) throw new InvalidArgumentError('must be a 0x-prefixed 20-byte address')
  return getAddress(value)
}
const secondsArg = (value: string): number => {
  if (!/^\d+$/.test(value) || Number(value) > Number.MAX_SAFE_INTEGER)
    throw new InvalidArgumentError('must be whole seconds')
  return Number(value)
}

/** Registers `gridlet market …`: the operator's commands (deploy, registry, status). */
export function registerMarketCommands(program: Command, io: CliIo = terminalIo): void {
  const market = program
    .command('market')
    .description("the market's settlement contract: deploy, register households, status")
  const common = (c: Command) =>
    c
      .addOption(marketOption().default('market.json'))
      .addOption(keystoreOption())
      .addOption(passFileOption())
      .addOption(journalOption())
      .addOption(yesOption())
      .addOption(rpcOption())
      .addOption(pollOption())
      .addOption(receiptTimeoutOption())

  common(
    market
      .command('deploy')
      .description('deploy the settlement contract with the operator key, verify its code, write the market file')
      .requiredOption('--token <address>', 'the ERC-20 the escrow holds', addressArg)
      .requiredOption('--name <name>', 'market name (the market id is keccak256 of it; the nodes use the same)')
      .option('--chain-id <id>', 'refuse unless the RPC serves this chain', Number)
      .option('--operator <address>', 'holder of the operator role (default: the deploying account)', addressArg)
      .option('--admin <address>', 'holder of the admin role (default: the deploying account)', addressArg)
      .option('--interval-s <s>', "interval length (the nodes' market.intervalS)", secondsArg, 900)
      .option('--gate-closure-s <s>', 'gate closure before an interval (market.gateClosureS)', secondsArg, 60)
      .option('--settle-delay-s <s>', "earliest settlement after an interval's start", secondsArg, 0)
      .option('--settlement-window-s <s>', 'how long an interval can be settled', secondsArg, 7 * 86_400)
      .option(
        '--withdrawal-delay-s <s>',
        'from a withdrawal request to the withdrawal (more than the three above)',
        secondsArg,
        8 * 86_400,
      )
      .option(
        '--fee-recipient <address>',
        "a grid-fee market: who is paid the fees (the nodes' market.grid.feeRecipient)",
        addressArg,
      )
      .option(
        '--max-fee-per-wh <units>',
        'with --fee-recipient: the highest fee per Wh a trade may carry, token units',
        feeArg,
      ),
  )
    .option('-o, --out <file>', 'where to write the market file', 'market.json')
    .action(
      run(io, async (o: MarketOptions & DeployOptions) => {
        if (!o.rpc) throw new ChainError('--rpc URL is required', { code: ChainErrorCode.InvalidInput, field: 'rpc' })
        if (!o.keystore)
          throw new ChainError('--keystore FILE is required', { code: ChainErrorCode.InvalidInput, field: 'keystore' })
        if (existsSync(o.out)) {
          throw new ChainError(`market file ${o.out} exists; refusing to overwrite it`, {
            code: ChainErrorCode.InvalidInput,
            field: 'out',
          })
        }
        if ((o.feeRecipient === undefined) !== (o.maxFeePerWh === undefined)) {
          throw new ChainError('--fee-recipient and --max-fee-per-wh go together', {
            code: ChainErrorCode.InvalidInput,
            field: o.feeRecipient === undefined ? 'fee-recipient' : 'max-fee-per-wh',
            details: 'give both for a grid-fee market, neither for a plain one',
          })
        }
        const account = privateKeyToAccount(await loadKey(o.keystore, { file: o.passphraseFile }))
        const client = await connectMarket({
          rpcUrl: o.rpc,
          chainId: o.chainId,
          account,
          pollingMs: o.pollMs,
          nativeCurrency: 'lookup',
        })
        const native = { symbol: client.chain.nativeCurrency.symbol, decimals: client.chain.nativeCurrency.decimals }
        const { market: file, sent } = await deployMarketFile(client, {
          nativeCurrency: native,
          ...(o.feeRecipient && o.maxFeePerWh !== undefined
            ? { fees: { recipient: o.feeRecipient, maxFeePerWh: o.maxFeePerWh } }
            : {}),
          journal: openJournal(o, o.keystore),
          name: o.name,
          token: o.token,
          rpcUrl: o.rpc,
          ...(o.operator ? { operator: o.operator } : {}),
          ...(o.admin ? { admin: o.admin } : {}),
          timing: {
            intervalLength: o.intervalS,
            gateClosure: o.gateClosureS,
            settleDelay: o.settleDelayS,
            settlementWindow: o.settlementWindowS,
            withdrawalDelay: o.withdrawalDelayS,
          },
          ...sendHooks(io, o, native),
          receiptTimeoutMs: (o.receiptTimeout ?? 300) * 1000,
        })
        writeMarketFile(o.out, file)
        io.progress('')
        const r = sent.receipt
        io.out(
          sent.resumed
            ? `deploy: done earlier in block ${r.blockNumber} (tx ${sent.hash}); not sent again`
            : `deploy: mined in block ${r.blockNumber}, gas used ${r.gasUsed} (${formatNative(r.gasUsed * r.effectiveGasPrice, native)}), tx ${sent.hash}`,
        )
        io.out(`market "${file.name}" on chain ${file.chainId}`)
        io.out(`  contract  ${file.contract}  (code verified against the artifact, block ${file.deployment.block})`)
        io.out(`  token     ${file.token.address}  ${file.token.symbol}, ${file.token.decimals} decimals`)
        io.out(`  operator  ${file.operator}`)
        if (file.fees)
          io.out(`  fees      to ${file.fees.recipient}, at most ${file.fees.maxFeePerWh} token units per Wh`)
        io.out(`market file written to ${o.out}: hand it to every household (gridlet init --market ${o.out})`)
      }),
    )

  common(
    market
      .command('register')
      .description('register a household (ACCOUNT --meter ID), or every household of a CSV (--csv FILE, account,meter)')
      .argument('[account]', 'the household account', addressArg)
      .option('--meter <id>', "the household's meter id (text up to 32 characters, or 0x + 64 hex)")
      .option('--csv <file>', 'register every row of this CSV (account,meter)')
      .option('--dry-run', 'show what would be registered and the gas; send nothing'),
  ).action(
    run(
      io,
      async (account: Address | undefined, o: MarketOptions & { meter?: string; csv?: string; dryRun?: boolean }) => {
        const rows = o.csv
          ? parseHouseholdCsv(readFileSync(o.csv, 'utf8'))
          : account && o.meter
            ? [{ line: 1, account, meter: o.meter, meterId: meterIdOf(o.meter) }]
            : usage('register ACCOUNT --meter ID, or register --csv FILE')
        const ctx = await openMarket(io, o, { sign: true })
        const steps = await planRegistrations(ctx, rows)
        const todo = steps.filter((s) => s.action === 'register')
        if (o.dryRun) {
          for (const s of steps)
            io.out(
              `line ${s.row.line}  ${s.row.account}  ${s.row.meter}  ${s.reason}${s.gas ? `, gas ≈ ${s.gas}` : ''}`,
            )
          io.out(
            `dry run: ${todo.length} to register, ${steps.length - todo.length - conflicts(steps)} already registered, ${conflicts(steps)} conflicts; nothing sent`,
          )
          return
        }
        refuseConflicts(steps)
        for (const s of steps)
          if (s.action === 'skip') io.out(`${s.row.account} (meter ${s.row.meter}): already registered, nothing sent`)
        if (todo.length === 0) return
        if (todo.length > 1) {
          const gas = todo.reduce((sum, s) => sum + (s.gas ?? 0n), 0n)
          io.err(`register ${todo.length} households: gas ≈ ${gas} in ${todo.length} transactions`)
          if (!o.yes && !(await io.ask('send these transactions?'))) {
            throw new ChainError('cancelled: nothing was sent', { code: ChainErrorCode.Declined })
          }
        }
        for (const s of todo) {
          await send(io, ctx, s.plan, { ask: todo.length === 1 })
          const index = await readContract(ctx.client, {
            address: ctx.contract,
            abi: settlementAbi,
            functionName: 'indexOf',
            args: [s.row.account],
          })
          io.out(`  household ${index}: ${s.row.account}, meter ${s.row.meter}`)
        }
      },
    ),
  )

  common(
    market
      .command('remove')
      .description('remove a household (its escrow stays withdrawable by it)')
      .argument('<account>', 'household account', addressArg),
  ).action(
    run(io, async (account: Address, o: MarketOptions) => {
      const ctx = await openMarket(io, o, { sign: true })
      if (!(await isRegistered(ctx, account))) return io.out(`${account} is not registered: nothing to do`)
      await send(io, ctx, settlementCall(ctx, 'remove', [account], `remove ${account}`))
    }),
  )

  common(
    market
      .command('rotate')
      .description("move a household's registration (its meter) to a new key; the old key keeps its escrow balance")
      .argument('<old>', 'current account', addressArg)
      .argument('<new>', 'new account', addressArg),
  ).action(
    run(io, async (oldAccount: Address, newAccount: Address, o: MarketOptions) => {
      const ctx = await openMarket(io, o, { sign: true })
      const [oldReg, newReg] = [await isRegistered(ctx, oldAccount), await isRegistered(ctx, newAccount)]
      if (!oldReg && newReg)
        return io.out(`${oldAccount} is not registered and ${newAccount} is: already rotated, nothing sent`)
      if (!oldReg) throw refused('NotRegistered', [oldAccount])
      if (newReg) throw refused('AlreadyRegistered', [newAccount])
      await send(
        io,
        ctx,
        settlementCall(ctx, 'rotateKey', [oldAccount, newAccount], `rotate ${oldAccount} -> ${newAccount}`),
      )
    }),
  )

  market
    .command('households')
    .description('list every household: index, account, meter id, registered, escrow balance, pending withdrawal')
    .addOption(marketOption().default('market.json'))
    .addOption(rpcOption())
    .option('--raw', "amounts in the token's smallest units")
    .action(
      run(io, async (o: MarketOptions) => {
        const ctx = await openMarket(io, o)
        const rows = await readHouseholdList(ctx.client, { settlement: ctx.contract })
        io.out(
          `market "${ctx.name}" on chain ${ctx.chainId}: ${rows.length} households (${rows.filter((r) => r.registered).length} registered)`,
        )
        io.out(
          'index  account                                     meter                 registered  escrow              withdrawal',
        )
        for (const r of rows) {
          const w =
            r.withdrawal.amount === 0n
              ? '-'
              : `${formatAmount(r.withdrawal.amount, ctx.token, o.raw)} from ${iso(r.withdrawal.readyAt)}`
          io.out(
            `${String(r.index).padEnd(6)} ${r.account}  ${meterText(r.meterId).padEnd(20)}  ${(r.registered ? 'yes' : 'no').padEnd(10)}  ${formatAmount(r.balance, ctx.token, o.raw).padEnd(18)}  ${w}`,
          )
        }
      }),
    )

  registerMarketStatusCommand(market, io)
}

interface DeployOptions {
  token: Address
  name: string
  chainId?: number
  operator?: Address
  admin?: Address
  intervalS: number
  gateClosureS: number
  settleDelayS: number
  settlementWindowS: number
  withdrawalDelayS: number
  feeRecipient?: Address
  maxFeePerWh?: bigint
  out: string
}

/** `--max-fee-per-wh`: whole token units, 1 .. 2^64 - 1 (a batch's fee per Wh field is 64 bits). */
function feeArg(value: string): bigint {
  if (!/^\d{1,20}$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 2n ** 64n) {
    throw new InvalidArgumentError('must be whole token units per Wh, 1 to 2^64 - 1')
  }
  return BigInt(value)
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z')
const conflicts = (steps: readonly { action: string }[]) => steps.filter((s) => s.action === 'conflict').length

async function isRegistered(ctx: { client: Parameters<typeof readContract>[0]; contract: Address }, account: Address) {
  return readContract(ctx.client, {
    address: ctx.contract,
    abi: settlementAbi,
    functionName: 'isRegistered',
    args: [account],
  })
}

function refused(name: string, args: readonly unknown[]): ChainError {
  return new ChainError(describeRevert({ name, args }), { code: ChainErrorCode.Refused, revert: { name, args } })
}

function usage(message: string): never {
  throw new ChainError(`usage: gridlet market ${message}`, { code: ChainErrorCode.InvalidInput, field: 'arguments' })
}
