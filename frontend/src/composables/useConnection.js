import { computed, effectScope, ref, shallowRef } from 'vue'
import * as api from '@/api'

// Whether the backend answers, told truthfully: any request that gets no answer re-checks /api/health
// at once; while it is down, health is checked every `pollMs`; the first answer after that is a
// recovery, which views watch (`recoveries`) to clear their errors and reload what they need.
// While it is up, health is still checked every `upPollMs` and whenever the browser tab comes back
// into view, so an idle page does not go on saying "online" about a server that has stopped.
let shared = null

export const POLL_MS = 3000
export const UP_POLL_MS = 10000

function create(pollMs, upPollMs) {
  const status = ref('checking') // 'checking' | 'online' | 'offline'
  const health = shallowRef(null)
  const recoveries = ref(0)
  let timer = null
  let inFlight = null

  function schedule() {
    clearTimeout(timer)
    timer = setTimeout(check, pollMs)
  }

  function online(body) {
    clearTimeout(timer)
    timer = upPollMs ? setTimeout(check, upPollMs) : null
    if (body) health.value = body
    // Also after a start with the backend down: the page then loads what it missed.
    if (status.value === 'offline') recoveries.value++
    status.value = 'online'
  }

  function offline() {
    status.value = 'offline'
    schedule()
  }

  /** Asks /api/health now (one request at a time); resolves to the new status. */
  function check() {
    if (!inFlight) {
      inFlight = api
        .getHealth()
        .then(online, (error) => (error?.network ? offline() : online(null)))
        .finally(() => {
          inFlight = null
        })
        .then(() => status.value)
    }
    return inFlight
  }

  // Every request reports here through the API module: no answer -> check; an answer while down -> check.
  const unwatch = api.watchConnection((ok) => {
    if (inFlight) return
    if (!ok && status.value !== 'offline') check()
    else if (ok && status.value === 'offline') check()
  })
  const onVisible = () => {
    if (globalThis.document?.visibilityState !== 'hidden') check()
  }
  const win = globalThis.window
  win?.addEventListener?.('online', onVisible)
  win?.addEventListener?.('focus', onVisible)
  globalThis.document?.addEventListener?.('visibilitychange', onVisible)

  function stop() {
    clearTimeout(timer)
    timer = null
    unwatch()
    win?.removeEventListener?.('online', onVisible)
    win?.removeEventListener?.('focus', onVisible)
    globalThis.document?.removeEventListener?.('visibilitychange', onVisible)
  }

  return {
    status,
    health,
    recoveries,
    modelCount: computed(() => health.value?.models?.length ?? 0),
    check,
    /** A request failed without an answer (reported by useRequest, as mocks bypass the API module). */
    reportFailure: () => {
      if (!inFlight && status.value !== 'offline') check()
    },
    stop,
  }
}

export function useConnection({ pollMs = POLL_MS, upPollMs = UP_POLL_MS } = {}) {
  if (!shared) shared = effectScope(true).run(() => create(pollMs, upPollMs))
  return shared
}

/** Tests only: forget the shared state. */
export function resetConnection() {
  shared?.stop()
  shared = null
}
