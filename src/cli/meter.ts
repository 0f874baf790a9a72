import type { Command } from 'commander'

/** Registers the `gridlet meter` sub-commands (to be filled in by the meter adapter). */
export function registerMeterCommands(_program: Command): void {}
