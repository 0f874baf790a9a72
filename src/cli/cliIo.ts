import { createInterface } from 'node:readline'
import { GridletError } from '../core/errors.js'

/** Where the market and escrow commands write and ask: the terminal, or a test's capture. */
export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** A progress line (waiting for a receipt): rewritten in place on a terminal. */
  progress(line: string): void
  /** Asks a yes/no question; false when there is no terminal to ask on. */
  ask(question: string): Promise<boolean>
  /** Called with the exit code when a command fails (default: sets process.exitCode). */
  fail(code: number): void
}

/** The terminal: stdout for results, stderr for progress, questions and errors. */
export const terminalIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`)
    else process.stderr.write(`${line}\n`)
  },
  ask: async (question) => {
    if (!process.stdin.isTTY) return false
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve))
    rl.close()
    return /^y(es)?$/i.test(answer.trim())
  },
  fail: (code) => {
    process.exitCode = code
  },
}

/**
 * Wraps a command action: a GridletError is printed as the person should see it (message, field, details) and the
 * command fails with exit code 2; anything else is a bug and propagates.
 *
 * @example
 * cmd.action(run(io, async (o) => { ... }))
 */
// biome-ignore lint/suspicious/noExplicitAny: commander passes untyped arguments
export function run(io: CliIo, action: (...args: any[]) => Promise<void>): (...args: any[]) => Promise<void> {
  return async (...args) => {
    try {
      await action(...args)
    } catch (err) {
      if (!(err instanceof GridletError)) throw err
      io.err(`error: ${err.message}`)
      // A file that cannot be opened: the system's reason (no such file, permission denied) and the path it tried.
      const sys = err.cause as NodeJS.ErrnoException | undefined
      if (!err.details && sys instanceof Error && sys.syscall) io.err(`Details: ${sys.message}`)
      io.fail(2)
    }
  }
}
