/**
 * Counter-based deterministic randomness: a draw is a hash of its inputs (seed, stream, indices), not the state of
 * a generator, so it does not depend on how many draws came before. Households and intervals can then be processed
 * in any order, in parallel, or on different nodes, and draw the same numbers.
 */

/** 32-bit finaliser of MurmurHash3: a good avalanche for counter-based draws. */
export function fmix32(x: number): number {
  let h = x >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Uniform integer in [0, 2^32) for the draw named by (seed, stream, a, b). */
export function draw32(seed: number, stream: number, a: number, b = 0): number {
  let h = fmix32(seed ^ 0x9e3779b9)
  h = fmix32(h ^ Math.imul(stream + 1, 0x27d4eb2f))
  h = fmix32(h ^ Math.imul(a + 1, 0x165667b1))
  return fmix32(h ^ Math.imul(b + 1, 0xd3a2646c))
}

/** Uniform float in [0, 1) for the draw named by (seed, stream, a, b). */
export function drawUnit(seed: number, stream: number, a: number, b = 0): number {
  return draw32(seed, stream, a, b) / 2 ** 32
}
