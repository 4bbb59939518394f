import { getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue'

/**
 * Wraps an async API function as `{ data, error, loading, run, cancel }`.
 * A new `run` aborts the one in flight, and only the latest call may write its result:
 * a slow, stale answer can never overwrite a newer one.
 */
export function useRequest(fn) {
  const data = shallowRef(null)
  const error = shallowRef(null)
  const loading = ref(false)
  let controller = null
  let latest = 0

  async function run(...args) {
    controller?.abort()
    const own = (controller = new AbortController())
    const id = ++latest
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
      return undefined
    } finally {
      if (id === latest) loading.value = false
    }
  }

  function cancel() {
    controller?.abort()
    latest++
    loading.value = false
  }

  if (getCurrentScope()) onScopeDispose(cancel)
  return { data, error, loading, run, cancel }
}
