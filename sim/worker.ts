import { Worker } from 'node:worker_threads'

/**
 * Starts a TypeScript module in a worker thread. Worker threads do not inherit tsx's loader, so the worker first
 * registers it and then imports the entry.
 */
export function startTsWorker(entry: URL, workerData: unknown): Worker {
  const tsx = import.meta.resolve('tsx/esm/api')
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}) })`
  return new Worker(boot, { eval: true, workerData })
}
