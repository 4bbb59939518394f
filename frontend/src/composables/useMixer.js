import { ref, watch } from 'vue'
import * as api from '@/api'
import { randomSeed } from '@/lib/seed'
import { useDebouncedFn } from './useDebouncedFn'
import { useRequest } from './useRequest'

const oneHot = (digit) => Array.from({ length: 10 }, (_, i) => (i === digit ? 1 : 0))

/**
 * Ten label weights and a style seed; the image follows the sliders, `delay` ms after they
 * stop moving. Stale answers are dropped by useRequest.
 */
export function useMixer({ delay = 150, start = 3 } = {}) {
  const weights = ref(oneHot(start))
  const seed = ref(randomSeed())
  const request = useRequest(api.mix)
  const sent = ref(null) // the weights of the request in flight or last answered

  const refresh = () => {
    sent.value = weights.value.map(Number)
    return request.run({ weights: sent.value, seed: seed.value })
  }
  const debounced = useDebouncedFn(refresh, delay)
  watch(weights, () => debounced.call(), { deep: true })

  function now() {
    debounced.cancel()
    return refresh()
  }
  function newStyle() {
    seed.value = randomSeed()
    return now()
  }
  function setWeights(next) {
    weights.value = next
  }

  return {
    ...request,
    weights,
    sent,
    seed,
    refresh: now,
    newStyle,
    reset: () => setWeights(oneHot(start)),
    randomMix: () => setWeights(weights.value.map(() => (Math.random() < 0.3 ? Math.round(Math.random() * 100) / 100 : 0))),
  }
}
