import { Command } from 'commander'
import { registerChainCommands } from './chain.js'
import type { CliIo } from './cliIo.js'
import { registerEnvelopeCommands } from './envelope.js'
import { registerEscrowCommands } from './escrow.js'
import { registerKeyCommands } from './key.js'
import { registerMarketCommands } from './market.js'
import { registerMeterCommands } from './meter.js'
import { registerNodeCommands } from './node.js'
import { registerSimCommands } from './sim.js'

/**
 * `gridlet`: one command with a sub-command per adapter; each module adds its own. `io` is where the market, escrow
 * and key commands write and ask (tests pass a capture and run them in-process).
 *
 * @example
 * await createProgram().parseAsync(process.argv)
 */
export function createProgram(io?: CliIo): Command {
  // exitOverride before the sub-commands exist: they copy it, so a usage error throws instead of exiting.
  const program = new Command('gridlet')
    .description('peer-to-peer neighbourhood electricity trading')
    .showHelpAfterError()
    .exitOverride()
  registerMeterCommands(program)
  registerChainCommands(program)
  registerSimCommands(program)
  registerNodeCommands(program, io)
  registerKeyCommands(program, io)
  registerMarketCommands(program, io)
  registerEscrowCommands(program, io)
  registerEnvelopeCommands(program, io)
  return program
}
