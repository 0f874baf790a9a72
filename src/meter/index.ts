/**
 * The meter adapter: read household meters over Modbus TCP / RTU, and simulate them.
 *
 * @example
 * const link = createLink({ transport: 'tcp', host: '127.0.0.1', port: 502 })
 * const meter = openMeter(link, { profile: 'sdm630', unitId: 1 })
 * const reading = await meter.read({ signal: AbortSignal.timeout(3000) })
 */
export { CounterGuard, type CounterGuardOptions, type CounterVerdict } from './counterGuard.js'
export { MeterError, MeterErrorCode } from './errors.js'
export { createLink, type Link, type LinkInit, type LinkOptions, type LinkStats, linkKey } from './link.js'
export { type Meter, type MeterStats, type OpenMeterOptions, openMeter } from './openMeter.js'
export { listProfiles, loadProfile, type MeterProfile, PROFILES_DIR, parseProfile } from './profile.js'
export { type FoundUnit, GATEWAY_EXCEPTIONS, type ScanOutcome, scanUnits } from './scanUnits.js'
export {
  householdTrace,
  type MeterSource,
  type SimState,
  syntheticSource,
  type TraceInit,
  traceSource,
} from './simulator/source.js'
export {
  type MeterSimulator,
  type MeterSimulatorOptions,
  type SimFaults,
  type SimUnit,
  startMeterSimulator,
  type UnknownUnitBehaviour,
} from './simulator/startMeterSimulator.js'
export { discoverSunSpec, type SunSpecLayout, type SunSpecModelRef } from './sunspec.js'
export type { Counter, PhaseValues, Quantity, Reading } from './types.js'
export { COUNTERS, QUANTITIES } from './types.js'
