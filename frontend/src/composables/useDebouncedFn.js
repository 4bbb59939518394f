import { getCurrentScope, onScopeDispose } from 'vue'

/** `call(...args)` runs `fn` once, `ms` after the last call; `flush` runs a pending call now. */
export function useDebouncedFn(fn, ms) {
  let timer = null
  let pending = null

  function call(...args) {
    pending = args
    clearTimeout(timer)
    timer = setTimeout(flush, ms)
  }
  function flush() {
    clearTimeout(timer)
    timer = null
    if (!pending) return
    const args = pending
    pending = null
    fn(...args)
  }
  function cancel() {
    clearTimeout(timer)
    timer = null
    pending = null
  }

  if (getCurrentScope()) onScopeDispose(cancel)
  return { call, flush, cancel }
}
