import type { Tensor } from '../protocol/tensor';

/**
 * Posting tensors between threads at the cost of at most one copy. postMessage clones a typed
 * array's whole underlying buffer, so a small view into a large one (a slice of a request body)
 * would drag the large one along; such data is copied to a buffer of its own, which then moves
 * without a second copy. Strings are cloned: there is no transferable form of them.
 */
export interface Postable {
  tensors: Tensor[];
  transfer: ArrayBuffer[];
}

const ownsItsBuffer = (data: ArrayBufferView): boolean =>
  data.byteOffset === 0 &&
  data.byteLength === data.buffer.byteLength &&
  // Shared memory is never transferred (or copied) by postMessage: it is already shared.
  !(data.buffer instanceof SharedArrayBuffer);

/**
 * The tensors as they should be posted. `handOver`: the caller gives up data that owns its buffer
 * (it is detached here, moved to the other thread); otherwise that data is cloned and the caller's
 * arrays stay usable.
 */
export function postable(tensors: readonly Tensor[], handOver: boolean): Postable {
  const transfer = new Set<ArrayBuffer>();
  const out = tensors.map((tensor) => {
    const data = tensor.data;
    if (Array.isArray(data)) return tensor;
    if (ownsItsBuffer(data)) {
      if (handOver) transfer.add(data.buffer as ArrayBuffer);
      return tensor;
    }
    const copy = data.slice();
    transfer.add(copy.buffer as ArrayBuffer);
    return { ...tensor, data: copy };
  });
  return { tensors: out, transfer: [...transfer] };
}
