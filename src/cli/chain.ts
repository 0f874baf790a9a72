import type { Command } from 'commander'

/** Registers the `gridlet chain` sub-commands (to be filled in by the chain adapter). */
export function registerChainCommands(_program: Command): void {}
