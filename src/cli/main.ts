import { Command } from 'commander'
import { registerChainCommands } from './chain.js'
import { registerMeterCommands } from './meter.js'
import { registerNodeCommands } from './node.js'
import { registerSimCommands } from './sim.js'

/** `gridlet`: one command with a sub-command per adapter. Each module adds its own sub-commands. */
const program = new Command('gridlet')
  .description('peer-to-peer neighbourhood electricity trading')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode))

registerMeterCommands(program)
registerChainCommands(program)
registerSimCommands(program)
registerNodeCommands(program)

await program.parseAsync(process.argv)
