import type { Command } from 'commander'

/** Registers the `gridlet sim` sub-commands (to be filled in by the sim adapter). */
export function registerSimCommands(_program: Command): void {}
