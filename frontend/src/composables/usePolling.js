import { getCurrentInstance, onActivated, onBeforeUnmount, onDeactivated, onMounted } from 'vue'

/**
 * Calls `fn` every `ms` while the component is shown (a kept-alive tab pauses when hidden) and the
 * browser tab is visible; `when()` may veto a tick (e.g. nothing is training).
 */
export function usePolling(fn, ms, { when = () => true } = {}) {
  let timer = null
  let active = false
  const tick = async () => {
    timer = null
    if (!active) return
    if (when() && globalThis.document?.visibilityState !== 'hidden') await fn()
    if (active) timer = setTimeout(tick, ms)
  }
  const start = () => {
    if (active) return
    active = true
    timer = setTimeout(tick, ms)
  }
  const stop = () => {
    active = false
    clearTimeout(timer)
    timer = null
  }
  if (getCurrentInstance()) {
    onMounted(start)
    onActivated(start)
    onDeactivated(stop)
    onBeforeUnmount(stop)
  }
  return { start, stop }
}
