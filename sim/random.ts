/**
 * Deterministic randomness for scenarios. Everything drawn from the seed goes through these functions, so fast mode
 * and network mode (and any machine) draw the same numbers. Counter-based: a draw depends only on its inputs, not on
 * how many draws came before, so households and intervals can be processed in any order or in parallel.
 */

export { draw32, drawUnit } from '../src/core/random.js'

/** Named streams, so two uses of the seed never collide. */
export const Stream = {
  HasPv: 1,
  PvSize: 2,
  HasBattery: 3,
  LoadScale: 4,
  LimitPrice: 5,
  DevKey: 6,
  HasHotWater: 7,
  HasEv: 8,
  FlexStagger: 9,
} as const
