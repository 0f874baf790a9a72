/**
 * Grow-only work buffers the clearing reuses from call to call. Clearing is synchronous and never hands these
 * buffers out (results get their own arrays), so reuse is invisible to callers; it saves a 1M-order clearing some
 * 50 MB of fresh typed arrays per call, whose allocation and collection cost more than the work done in them.
 */
type Typed = Uint8Array | Uint32Array | Int32Array | Float64Array
type Ctor<T extends Typed> = { new (n: number): T; readonly BYTES_PER_ELEMENT: number }

const buffers = new Map<string, Typed>()

/** A buffer of at least n elements for `name` (contents undefined unless `zeroed`). */
export function scratch<T extends Typed>(name: string, ctor: Ctor<T>, n: number, zeroed = false): T {
  let buf = buffers.get(name) as T | undefined
  if (buf === undefined || buf.length < n || !(buf instanceof ctor)) {
    buf = new ctor(Math.max(n, 1_024))
    buffers.set(name, buf)
    return buf.subarray(0, n) as T
  }
  const view = buf.subarray(0, n) as T
  if (zeroed) view.fill(0)
  return view
}

const lists = new Map<string, unknown[]>()

/**
 * A plain array of at least n slots for `name`, for references (contents stale until written): it holds the last
 * clearing's references until the next overwrites them, at most as many as the largest book cleared.
 */
export function scratchList<T>(name: string, n: number): T[] {
  let list = lists.get(name)
  if (list === undefined) {
    list = []
    lists.set(name, list)
  }
  while (list.length < n) list.push(undefined)
  return list as T[]
}
