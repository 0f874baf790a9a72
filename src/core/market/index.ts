export { clear } from './clear.js'
export {
  buyExposure,
  coverEscrow,
  type EscrowCover,
  type EscrowCoverInput,
  escrowCoverOf,
} from './coverEscrow.js'
export { IntervalBook } from './intervalBook.js'
export { match } from './match.js'
export { resultRoot } from './resultRoot.js'
export { MAX_CLEARING_PRICE, MAX_CLEARING_QUANTITY_WH, selectBook } from './selectBook.js'
export * from './types.js'
