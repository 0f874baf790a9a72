import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type Command, Option } from 'commander'
import type { Hex } from 'viem'
import { generatePrivateKey, privateKeyToAddress } from 'viem/accounts'
import { connectMarket } from '../chain/connectMarket.js'
import { DEV_KEY_WARNING, loadDevChainConfig } from '../chain/devChain.js'
import { ChainError, ChainErrorCode } from '../chain/errors.js'
import { configTemplate } from '../config/configTemplate.js'
import { type LoadedConfig, loadConfig } from '../config/loadConfig.js'
import { GridletError } from '../core/errors.js'
import { DEFAULT_SCRYPT, encryptKeystore } from '../keystore/keystore.js'
import { loadKey, readPassphrase, writeFileAtomic, writeKeystoreFile } from '../keystore/keystoreFile.js'
import { demoClock } from '../node/demoClock.js'
import { startNode } from '../node/startNode.js'
import { derivePeerKey } from '../p2p/createMarketNode.js'
import { type CliIo, run, terminalIo } from './cliIo.js'
import { formatStatus } from './formatStatus.js'
import { marketTemplateValues } from './initMarket.js'
import { createKeystore, scryptNArg } from './key.js'
import { intervalView, nodeStatusSchema } from './marketStatus.js'

const configOption = () =>
  new Option('-c, --config <path>', 'config file').env('GRIDLET_CONFIG').default('gridlet.yaml')
const passFileOption = () =>
  new Option('--passphrase-file <path>', 'read the keystore passphrase from this file').env('GRIDLET_PASSPHRASE_FILE')

/**
 * Registers `gridlet init`, `gridlet node` and `gridlet status`. `init` writes and fails through `io` (tests run it
 * in-process); the long-running `node` keeps the terminal.
 */
export function registerNodeCommands(program: Command, io: CliIo = terminalIo): void {
  program
    .command('init')
    .description('create an encrypted key (keystore, mode 0600) and a commented config file')
    .addOption(configOption())
    .addOption(passFileOption())
    .option('--import-key-file <path>', 'encrypt this existing private key (hex) instead of generating one')
    .option('--dev-chain <file>', 'take key, chain, contract and households from `gridlet chain dev` output (DEV ONLY)')
    .option('--household <n>', 'which household of --dev-chain (0-based)', Number, 0)
    .option(
      '--market <file>',
      "take chain, contract, market and token from the operator's market file (checked on chain)",
    )
    .option('--operator', 'create only an operator keystore (operator-keystore.json beside -c), no node config')
    .option(
      '--dev-ports',
      'with --dev-chain: household i uses meter port 5021+i, p2p 4101+i, dashboard 8081+i, and dials the others',
    )
    .option('--market-name <name>', 'market name (all households of a market use the same)')
    .option('--chain-id <id>', 'settlement chain id', Number)
    .option('--interval-s <s>', 'market interval length in seconds (same on every node)', Number)
    .option('--contract <address>', 'settlement contract address')
    .option('--rpc-url <url>', 'chain JSON-RPC endpoint')
    .addOption(new Option('--meter-kind <kind>').choices(['modbus-tcp', 'modbus-rtu', 'simulated']))
    .option('--meter-host <host>', 'Modbus TCP host')
    .option('--meter-port <port>', 'Modbus TCP port', Number)
    .option('--meter-unit-id <id>', 'Modbus unit id', Number)
    .option('--p2p-listen <multiaddr>', 'libp2p listen address')
    .option('--bootstrap <multiaddr...>', 'peers to dial at start')
    .option('--households <address...>', 'registered household accounts (quorum base)')
    .option('--no-mdns', 'disable mDNS discovery')
    .option('--http-port <port>', 'dashboard/API port', Number)
    .option('--scrypt-n <n>', 'scrypt cost (power of two, 4096 to 1048576)', scryptNArg, DEFAULT_SCRYPT.n)
    .action(
      run(io, async (o) => {
        const configPath = resolve(o.config)
        const dir = dirname(configPath)
        if (o.operator) return await initOperator(io, join(dir, 'operator-keystore.json'), o)
        if (existsSync(configPath)) fail(`config ${configPath} exists; refusing to overwrite`, 'config')
        if (o.market && o.devChain) fail('--market and --dev-chain exclude each other', 'market')
        const market = o.market ? await marketTemplateValues(o.market) : undefined
        mkdirSync(dir, { recursive: true })
        const keystorePath = join(dir, 'keystore.json')
        const dev = o.devChain ? readDevChain(io, o.devChain, o.household) : undefined
        const local = dev && o.devPorts ? await devPorts(dev.keys, o.household) : undefined
        const privateKey =
          dev?.privateKey ??
          (o.importKeyFile ? (readFileSync(o.importKeyFile, 'utf8').trim() as Hex) : generatePrivateKey())
        if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) fail('imported key must be 0x + 64 hex digits', 'import-key-file')
        const passphrase = await readPassphrase({
          file: o.passphraseFile,
          prompt: process.stdin.isTTY ? { input: process.stdin, output: process.stderr, confirm: true } : undefined,
        })
        writeKeystoreFile(keystorePath, encryptKeystore(privateKey, passphrase, { ...DEFAULT_SCRYPT, n: o.scryptN }))
        writeFileAtomic(
          configPath,
          configTemplate({
            ...market,
            keystore: 'keystore.json',
            marketName: o.marketName ?? market?.marketName,
            marketId: dev?.market ?? market?.marketId,
            intervalS: o.intervalS ?? market?.intervalS,
            chainId: o.chainId ?? dev?.chainId ?? market?.chainId,
            contract: o.contract ?? dev?.settlement ?? market?.contract,
            rpcUrl: o.rpcUrl ?? dev?.rpcUrl ?? market?.rpcUrl,
            meterKind: o.meterKind ?? (local ? 'modbus-tcp' : undefined),
            meterHost: o.meterHost,
            meterPort: o.meterPort ?? local?.meterPort,
            meterUnitId: o.meterUnitId,
            p2pListen: o.p2pListen ?? local?.listen,
            bootstrap: o.bootstrap ?? local?.bootstrap,
            households: o.households ?? dev?.households,
            mdns: local ? false : o.mdns,
            httpPort: o.httpPort ?? local?.httpPort,
          }),
          0o600,
        )
        loadConfig(configPath) // the written file must validate
        io.out(`account  ${privateKeyToAddress(privateKey)}`)
        io.out(`peer id  ${peerIdFromPrivateKey(await derivePeerKey(privateKey)).toString()}`)
        io.out(`keystore ${keystorePath} (mode 0600)`)
        io.out(`config   ${configPath}`)
        io.out(
          market
            ? `Send the account to the operator (gridlet market register ${privateKeyToAddress(privateKey)} --meter ID), fund it with gas and the tokens it will deposit, then: gridlet escrow deposit AMOUNT -c ${o.config}; gridlet node -c ${o.config}`
            : 'Register the account on the market contract, then run: gridlet node -c ' + o.config,
        )
      }),
    )

  program
    .command('node')
    .description('run the household node (meter, market, settlement, dashboard) until SIGTERM/SIGINT')
    .addOption(configOption())
    .addOption(passFileOption())
    .option(
      '--demo-speed <x>',
      'DEMO ONLY: run market time x times faster (all demo nodes must use the same x)',
      Number,
    )
    .action(
      withErrors(async (o) => {
        const config = loadConfig(o.config)
        const privateKey = await loadKey(config.keystore, { file: o.passphraseFile })
        await checkNodeChain(config)
        if (o.demoSpeed !== undefined && !(o.demoSpeed >= 1)) fail('--demo-speed must be >= 1', 'demo-speed')
        const clock = o.demoSpeed ? demoClock(o.demoSpeed) : undefined
        const running = await startNode({ config, privateKey, ...(clock ? { clock } : {}) })
        let signals = 0
        const onSignal = (sig: NodeJS.Signals) => {
          if (++signals > 1) process.exit(130) // second signal: the store is consistent at every commit anyway
          process.stderr.write(`gridlet: ${sig}, shutting down\n`)
          void running.stop().then(() => process.exit(0))
        }
        process.on('SIGTERM', onSignal)
        process.on('SIGINT', onSignal)
        await running.done.catch(() => process.exit(1))
      }),
    )

  program
    .command('status')
    .description('ask a running node for its state (over its local HTTP API)')
    .addOption(configOption())
    .option('--url <url>', 'node API base URL (default: from the config file)')
    .option('--json', 'print the raw JSON')
    .action(
      withErrors(async (o) => {
        const base = o.url ?? urlFromConfig(o.config)
        let body: Record<string, unknown>
        try {
          const res = await fetch(`${base}/api/status`, { signal: AbortSignal.timeout(5000) })
          body = (await res.json()) as Record<string, unknown>
        } catch (cause) {
          throw new GridletError(`no node answering at ${base}`, { code: 'STATUS_UNREACHABLE', cause })
        }
        if (o.json) return console.log(JSON.stringify(body, null, 2))
        const parsed = nodeStatusSchema.safeParse(body)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]
          throw new GridletError(`${base} answered something that is not a gridlet node's status`, {
            code: 'STATUS_INVALID',
            field: issue?.path.join('.') || undefined,
            details: issue?.message,
          })
        }
        console.log(formatStatus(body, parsed.data.settlementIntervals.map(intervalView)))
      }),
    )
}

/** `gridlet init --operator`: only the operator's encrypted key; the market commands use it (`--keystore`). */
// biome-ignore lint/suspicious/noExplicitAny: commander passes untyped options
async function initOperator(io: CliIo, path: string, o: any): Promise<void> {
  mkdirSync(dirname(path), { recursive: true })
  const account = await createKeystore({
    path,
    importKeyFile: o.importKeyFile,
    passphraseFile: o.passphraseFile,
    scryptN: o.scryptN,
  })
  io.out(`operator ${account}`)
  io.out(`keystore ${path} (mode 0600)`)
  io.out(`Fund it with gas, then: gridlet market deploy --keystore ${path} --rpc URL --token ADDRESS --name NAME`)
}

/** The fields `gridlet init` takes from the dev chain's JSON (`gridlet chain dev`): dev keys, never for real money. */
function readDevChain(io: CliIo, path: string, index: number) {
  const j = loadDevChainConfig(path)
  const h = j.households[index]
  if (!h) fail(`dev chain file has no household ${index}`, 'household')
  io.err(`warning: ${DEV_KEY_WARNING}`)
  return {
    privateKey: h.privateKey,
    rpcUrl: j.rpcUrl,
    chainId: j.chainId,
    market: j.market,
    settlement: j.settlement,
    households: j.households.map((x) => x.address as string),
    keys: j.households.map((x) => x.privateKey),
  }
}

/** The one-machine demo layout: household i on meter port 5021+i, p2p 4101+i, HTTP 8081+i, dialing the others. */
async function devPorts(keys: readonly Hex[], i: number) {
  const peers = await Promise.all(keys.map(async (k) => peerIdFromPrivateKey(await derivePeerKey(k)).toString()))
  return {
    meterPort: 5021 + i,
    httpPort: 8081 + i,
    listen: `/ip4/127.0.0.1/tcp/${4101 + i}`,
    bootstrap: peers.flatMap((id, j) => (j === i ? [] : [`/ip4/127.0.0.1/tcp/${4101 + j}/p2p/${id}`])),
  }
}

function urlFromConfig(path: string): string {
  const c = loadConfig(path)
  const host = c.http.host === '0.0.0.0' || c.http.host === '::' ? '127.0.0.1' : c.http.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${c.http.port}`
}

/**
 * The node signs orders and settlements for `market.chainId`: an RPC serving another chain stops the start. An RPC
 * that does not answer does not: the node queues its settlements until it returns (docs/operator.md, "Faults").
 */
async function checkNodeChain(config: LoadedConfig): Promise<void> {
  if (/^0x0{40}$/.test(config.market.contract)) return
  try {
    await connectMarket({ rpcUrl: config.chain.rpcUrl, chainId: config.market.chainId })
  } catch (err) {
    if (err instanceof ChainError && err.code === ChainErrorCode.WrongChain) throw err
  }
}

/** Prints a GridletError as the operator should see it (message, field, details) and exits 2. */
// biome-ignore lint/suspicious/noExplicitAny: commander passes untyped options
function withErrors(action: (o: any) => Promise<void>): (o: any) => Promise<void> {
  return async (o) => {
    try {
      await action(o)
    } catch (err) {
      if (!(err instanceof GridletError)) throw err
      process.stderr.write(`error: ${err.message}\n`)
      process.exit(2)
    }
  }
}

function fail(message: string, field: string): never {
  throw new GridletError(message, { code: 'CLI_USAGE', field })
}
