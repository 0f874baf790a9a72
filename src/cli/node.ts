import type { Command } from 'commander'

/** Registers the `gridlet node` sub-commands (to be filled in by the node adapter). */
export function registerNodeCommands(_program: Command): void {}
