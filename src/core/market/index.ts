export { clear } from './clear.js'
export {
  buyExposure,
  coverEscrow,
  type EscrowCover,
  type EscrowCoverInput,
  escrowCoverOf,
} from './coverEscrow.js'
export { checkGrid, type FlowLimit, type GridClearing, type GridLevel } from './grid.js'
export { IntervalBook } from './intervalBook.js'
export { match } from './match.js'
export { matchGrid } from './matchGrid.js'
export {
  applyEnvelope,
  ENVELOPE_TYPES,
  hashEnvelope,
  type OperatingEnvelope,
  type SignedEnvelope,
  signEnvelope,
} from './operatingEnvelope.js'
export { resultRoot } from './resultRoot.js'
export {
  type BookArrays,
  MAX_CLEARING_PRICE,
  MAX_CLEARING_QUANTITY_WH,
  selectBook,
  selectPositions,
} from './selectBook.js'
export * from './types.js'
