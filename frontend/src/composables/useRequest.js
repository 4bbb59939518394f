import { getCurrentScope, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { useConnection } from './useConnection'

/**
 * Wraps an async API function as `{ data, error, loading, run, retry, cancel }`.
 * A new `run` aborts the one in flight, and only the latest call may write its result:
 * a slow, stale answer can never overwrite a newer one. `retry` repeats the last call.
 * A "cannot reach the backend" error is cleared by itself once the backend answers again.
 */
export function useRequest(fn) {
  const data = shallowRef(null)
  const error = shallowRef(null)
  const loading = ref(false)
  const connection = useConnection()
  let controller = null
  let latest = 0
  let lastArgs = null

  async function run(...args) {
    controller?.abort()
    const own = (controller = new AbortController())
    const id = ++latest
    lastArgs = args
    loading.value = true
    error.value = null
    try {
      const result = await fn(...args, { signal: own.signal })
      if (id !== latest) return undefined
      data.value = result
      return result
    } catch (err) {
      if (id !== latest || err?.name === 'AbortError') return undefined
      error.value = err instanceof Error ? err : new Error(String(err))
      if (err?.network) connection.reportFailure()
      return undefined
    } finally {
      if (id === latest) loading.value = false
    }
  }

  /** Runs the last call again (with no arguments if there was none). */
  function retry() {
    return run(...(lastArgs ?? []))
  }

  function cancel() {
    controller?.abort()
    latest++
    loading.value = false
  }

  if (getCurrentScope()) {
    watch(connection.recoveries, () => {
      if (error.value?.network) error.value = null
    })
    onScopeDispose(cancel)
  }
  return { data, error, loading, run, retry, cancel }
}
