import { nextTick, unref, watch } from 'vue'
import { revealIfNeeded } from '@/lib/scroll'

const element = (target) => {
  const value = unref(target)
  return value?.$el ?? value
}

/**
 * `reveal()` brings `target` (an element or component ref) on screen after the next render; with `when`
 * (a getter or ref), it does so each time that turns truthy, e.g. a result arriving.
 */
export function useReveal(target, when = null) {
  const reveal = () => nextTick(() => revealIfNeeded(element(target)))
  if (when) watch(when, (value) => value && reveal())
  return reveal
}
