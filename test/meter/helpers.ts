import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { PYTHON } from '../support/peers.js'

export const PEER = new URL('./peer/pymodbus_server.py', import.meta.url).pathname

/** A linked pty pair from socat: bytes written to `a` come out of `b` and back. */
export async function startPtyPair(): Promise<{ a: string; b: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'gridlet-pty-'))
  const a = join(dir, 'a')
  const b = join(dir, 'b')
  const child = spawn('/usr/bin/socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' })
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++) await delay(20)
  if (!existsSync(a) || !existsSync(b)) throw new Error('socat did not create the pty pair')
  return {
    a,
    b,
    stop: async () => {
      await kill(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Starts the pymodbus peer; resolves with the readings it expects us to decode. */
export async function startPyPeer(
  args: ['tcp', number] | ['rtu', string],
): Promise<{ expected: Record<string, PeerExpected>; stop: () => Promise<void> }> {
  const child = spawn(PYTHON, [PEER, args[0], String(args[1])], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (d) => {
    stderr += d
  })
  const lines = createInterface({ input: child.stdout! })
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`pymodbus peer did not start: ${stderr}`)), 15_000)
    child.once('exit', (code) => reject(new Error(`pymodbus peer exited (${code}): ${stderr}`)))
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return
      clearTimeout(timer)
      resolve(line.slice(6))
    })
  })
  return { expected: JSON.parse(ready), stop: () => kill(child) }
}

export interface PeerExpected {
  activePowerW: number
  importEnergyWh: number
  exportEnergyWh: number
  frequencyHz: number
  pvPowerW?: number
  pvEnergyWh?: number
  phases: Record<string, { powerW?: number; voltageV?: number; currentA?: number }>
  models?: number[]
  base?: number
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Runs a command, resolving with its stdout (rejects on a non-zero exit). */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d) => {
      out += d
    })
    child.stderr!.on('data', (d) => {
      err += d
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out)
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}${out}`))
    })
  })
}
