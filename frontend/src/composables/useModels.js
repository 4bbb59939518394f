import { computed, effectScope } from 'vue'
import * as api from '@/api'
import { useRequest } from './useRequest'

// One list of models for the whole app, fetched once and shared by every tab.
let shared = null
function sharedRequest() {
  if (!shared) shared = effectScope(true).run(() => useRequest(api.getModels))
  return shared
}

/**
 * Status of the models a predicate selects:
 * 'unknown' (list not loaded), 'missing', 'unavailable' (listed, none available) or 'ok'.
 */
export function statusOf(models, match) {
  if (!models) return 'unknown'
  const found = models.filter(match)
  if (!found.length) return 'missing'
  return found.some((m) => m.available !== false) ? 'ok' : 'unavailable'
}

export function useModels() {
  const request = sharedRequest()
  const models = computed(() => request.data.value ?? [])
  return {
    ...request,
    models,
    /** Loads the list unless it is already there (or `force`). */
    ensure(force = false) {
      if (force || (!request.data.value && !request.loading.value)) return request.run()
      return Promise.resolve(request.data.value)
    },
    status: (match) => statusOf(request.data.value, match),
    matching: (match) => models.value.filter(match),
  }
}
