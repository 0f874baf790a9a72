/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from `minMs`, capped at `maxMs`, with equal
 * jitter (half fixed, half random) so many gateways that lost the same broker do not come back in lockstep.
 * Always within [minMs / 2, maxMs].
 *
 * @example
 * reconnectDelay(3, { minMs: 1000, maxMs: 60_000 }, Math.random) // between 4 and 8 s
 */
export function reconnectDelay(
  attempt: number,
  bounds: { minMs: number; maxMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(bounds.maxMs, bounds.minMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + (ceiling / 2) * random())
}
