import { getCurrentScope, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { useConnection } from './useConnection'

export const BUSY_RETRIES = 3 // tries after the first when the server answers "busy" (503 with Retry-After)

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer)
      reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener?.('abort', abort)
      resolve()
    }, ms)
    if (signal?.aborted) abort()
    else signal?.addEventListener?.('abort', abort, { once: true })
  })
}

/** The busy error shown once the retries are used up: it no longer promises another try by itself. */
function exhausted(err, tries) {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(err)), err)
  copy.message = err.message
  copy.hint = `Still busy after ${tries} tries. Wait a moment, then press Try again.`
  return copy
}

/**
 * Wraps an async API function as `{ data, error, loading, waiting, elapsed, run, retry, cancel }`.
 * A new `run` aborts the one in flight, and only the latest call may write its result:
 * a slow, stale answer can never overwrite a newer one. `retry` repeats the last call.
 * A busy server (503 with Retry-After) is asked again after the time it names, `busyRetries` times, while
 * `waiting` says so ({ attempt, of, seconds }); then the error stays, with Try again.
 * A failed call clears the earlier result (`data`), so it can never stand under newer inputs; a call that
 * failed because the backend could not be reached runs again by itself once the backend answers.
 * `elapsed`: milliseconds the last successful call took, retries included.
 */
export function useRequest(fn, { busyRetries = BUSY_RETRIES } = {}) {
  const data = shallowRef(null)
  const error = shallowRef(null)
  const loading = ref(false)
  const waiting = shallowRef(null)
  const elapsed = ref(null)
  const connection = useConnection()
  let controller = null
  let latest = 0
  let lastArgs = null

  async function call(args, signal) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(...args, { signal })
      } catch (err) {
        if (!err?.busy || attempt > busyRetries) throw err?.busy && attempt > 1 ? exhausted(err, attempt) : err
        const seconds = Math.max(1, Number(err.retryAfter) || 1)
        waiting.value = { attempt: attempt + 1, of: busyRetries + 1, seconds }
        await wait(seconds * 1000, signal)
        waiting.value = null
      }
    }
  }

  async function run(...args) {
    controller?.abort()
    const own = (controller = new AbortController())
    const id = ++latest
    lastArgs = args
    loading.value = true
    error.value = null
    waiting.value = null
    const started = globalThis.performance?.now?.() ?? Date.now()
    try {
      const result = await call(args, own.signal)
      if (id !== latest) return undefined
      data.value = result
      elapsed.value = Math.round((globalThis.performance?.now?.() ?? Date.now()) - started)
      return result
    } catch (err) {
      if (id !== latest || err?.name === 'AbortError') return undefined
      error.value = err instanceof Error ? err : new Error(String(err))
      data.value = null
      if (err?.network) connection.reportFailure()
      return undefined
    } finally {
      if (id === latest) {
        loading.value = false
        waiting.value = null
      }
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
    waiting.value = null
  }

  if (getCurrentScope()) {
    // Back after an outage: what failed for want of an answer is asked again, so the page shows the answer
    // to what is on screen now (never an earlier result with the error simply gone).
    watch(connection.recoveries, () => {
      if (error.value?.network && !loading.value) retry()
    })
    onScopeDispose(cancel)
  }
  return { data, error, loading, waiting, elapsed, run, retry, cancel }
}
