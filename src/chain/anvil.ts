import { type ChildProcess, spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { ChainError, ChainErrorCode } from './errors.js'

/** A running anvil process. `stop()` kills it and resolves when it has exited. */
export interface Anvil {
  readonly rpcUrl: string
  readonly port: number
  readonly chainId: number
  stop(): Promise<void>
}

export interface StartAnvilOptions {
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number
  /** Chain id (anvil's default 31337). */
  chainId?: number
  /** Extra anvil flags, e.g. `['--block-time', '1']`. */
  args?: readonly string[]
  /** How long to wait for the first answer. */
  timeoutMs?: number
  signal?: AbortSignal
}

/** Path of the anvil binary shipped in `@foundry-rs/anvil-linux-amd64` (the wrapper's postinstall is disabled). */
export function anvilBinary(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('@foundry-rs/anvil-linux-amd64/package.json')), 'bin', 'anvil')
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new ChainError('the OS gave no free port', { code: ChainErrorCode.Port })),
      )
    })
  })
}

/**
 * Starts anvil on 127.0.0.1 and resolves once it answers `eth_chainId`.
 *
 * @example
 * const anvil = await startAnvil()
 * try { ... anvil.rpcUrl ... } finally { await anvil.stop() }
 */
export async function startAnvil(opts: StartAnvilOptions = {}): Promise<Anvil> {
  // A free port can be taken by another process before anvil binds it (parallel test runs): then anvil exits and
  // the port answers for someone else's chain. Only our own process's "Listening on" counts; retry on a new port.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAnvilOnce(opts)
    } catch (err) {
      if (opts.port !== undefined || attempt >= 3 || opts.signal?.aborted) throw err
    }
  }
}

async function startAnvilOnce(opts: StartAnvilOptions): Promise<Anvil> {
  const port = opts.port ?? (await freePort())
  const chainId = opts.chainId ?? 31337
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), ...(opts.args ?? [])]
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000)
  })
  let stdout = ''
  const listening = new Promise<void>((resolve) => {
    const onData = (d: Buffer) => {
      stdout = (stdout + d.toString()).slice(-4000)
      if (stdout.includes(`Listening on 127.0.0.1:${port}`)) {
        child.stdout?.off('data', onData)
        child.stdout?.resume() // keep draining anvil's log so it never blocks on a full pipe
        resolve()
      }
    }
    child.stdout?.on('data', onData)
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // If this process ends without calling stop() (crash, process.exit), take anvil down with it.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const rpcUrl = `http://127.0.0.1:${port}`
  const stop = async () => {
    process.removeListener('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  try {
    const timeoutMs = opts.timeoutMs ?? 15_000
    const bound = Promise.race([
      listening,
      exited.then(() => {
        throw anvilStartError(`anvil exited with code ${child.exitCode}`)
      }),
    ])
    await withTimeout(bound, timeoutMs, `anvil did not listen on ${rpcUrl} within ${timeoutMs} ms`)
    await waitForRpc(rpcUrl, child, timeoutMs, opts.signal)
  } catch (cause) {
    await stop()
    throw new ChainError('anvil did not start', { code: ChainErrorCode.AnvilStart, details: stderr.trim(), cause })
  }
  return { rpcUrl, port, chainId, stop }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(anvilStartError(message)), ms)
  })
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer))
}

async function waitForRpc(rpcUrl: string, child: ChildProcess, timeoutMs: number, signal?: AbortSignal) {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    signal?.throwIfAborted()
    if (child.exitCode !== null) throw anvilStartError(`anvil exited with code ${child.exitCode}`)
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
        signal: AbortSignal.timeout(1000),
      })
      if (res.ok) return
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw anvilStartError(`no answer from ${rpcUrl} within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

function anvilStartError(message: string): ChainError {
  return new ChainError(message, { code: ChainErrorCode.AnvilStart })
}
