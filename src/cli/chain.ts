import { type Command, InvalidArgumentError } from 'commander'
import { startDevChain, writeDevChainConfig } from '../chain/devChain.js'
import { demoClock } from '../node/demoClock.js'

/** Default path of the dev chain config that nodes and `sim/` read. */
export const DEV_CHAIN_CONFIG_PATH = '.gridlet/chain-dev.json'

/** Registers the `gridlet chain` sub-commands. */
export function registerChainCommands(program: Command): void {
  const chain = program.command('chain').description('local chain and settlement contract tools')
  chain
    .command('dev')
    .description(
      'start anvil, deploy the test token and settlement contract, register and fund households, write the config',
    )
    .option('-n, --households <count>', 'households to register and fund', integer(1, 10_000), 3)
    .option('-p, --port <port>', 'anvil port on 127.0.0.1 (default: a free port)', integer(1, 65_535))
    .option('--deposit <units>', 'escrow deposit per household, token units (6 decimals)', bigintArg, 1_000_000_000n)
    .option('--market <name>', 'market name; the market id is keccak256 of it', 'gridlet-dev')
    .option('-o, --out <path>', 'where to write the config JSON', DEV_CHAIN_CONFIG_PATH)
    .option(
      '--demo-speed <x>',
      "block time follows the nodes' --demo-speed market clock (the contract pays an interval only after it began)",
      speedArg,
    )
    .action(async (opts: ChainDevOptions) => {
      const dev = await startDevChain({
        households: opts.households,
        port: opts.port,
        deposit: opts.deposit,
        marketName: opts.market,
        ...(opts.demoSpeed !== undefined ? { clock: demoClock(opts.demoSpeed) } : {}),
      })
      const stop = async () => {
        await dev.stop()
        process.exit(0)
      }
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      await writeDevChainConfig(opts.out, dev)
      console.log(`gridlet dev chain on ${dev.rpcUrl} (chain id ${dev.chainId})`)
      console.log(`  market      ${dev.market}`)
      console.log(`  token       ${dev.token}  (dev test token, open mint)`)
      console.log(`  settlement  ${dev.settlement}`)
      console.log(`  operator    ${dev.operator.address}`)
      for (const [i, h] of dev.households.entries()) console.log(`  household ${i + 1}  ${h.address}  ${h.privateKey}`)
      console.log(`  ${dev.warning}`)
      console.log(`config written to ${opts.out}; Ctrl-C stops the chain`)
    })
}

interface ChainDevOptions {
  households: number
  port?: number
  deposit: bigint
  market: string
  out: string
  demoSpeed?: number
}

function speedArg(value: string): number {
  const x = Number(value)
  if (!Number.isFinite(x) || x < 1 || x > 10_000) throw new InvalidArgumentError('must be a number in 1..10000')
  return x
}

function integer(min: number, max: number) {
  return (value: string) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`must be an integer in ${min}..${max}`)
    return n
  }
}

function bigintArg(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer')
  return BigInt(value)
}
