import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick } from 'vue'
import * as api from '@/api'
import { resetConnection, useConnection } from '@/composables/useConnection'
import { useRequest } from '@/composables/useRequest'
import { keyStep } from '@/lib/rangeKeys'
import { promptError, tidyPrompt } from '@/lib/prompt'

const down = () => new api.ApiError('Cannot reach the backend at x.', { network: true })

describe('useConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    resetConnection()
  })
  afterEach(() => {
    resetConnection()
    vi.useRealTimers()
  })

  it('goes offline when health fails, re-checks every few seconds, and counts the recovery', async () => {
    const health = vi.spyOn(api, 'getHealth').mockRejectedValue(down())
    const c = useConnection({ pollMs: 3000 })
    await c.check()
    expect(c.status.value).toBe('offline')
    expect(health).toHaveBeenCalledTimes(1)

    await vi.advanceTimersByTimeAsync(3000)
    expect(health).toHaveBeenCalledTimes(2)
    expect(c.status.value).toBe('offline')

    health.mockResolvedValue({ status: 'ok', models: ['a', 'b'] })
    await vi.advanceTimersByTimeAsync(3000)
    expect(c.status.value).toBe('online')
    expect(c.modelCount.value).toBe(2)
    expect(c.recoveries.value).toBe(1)
    await vi.advanceTimersByTimeAsync(30000)
    expect(health).toHaveBeenCalledTimes(3) // no polling while the backend answers
  })

  it('re-checks health at once when a request gets no answer, so the header never says online beside that error', async () => {
    const health = vi.spyOn(api, 'getHealth').mockResolvedValue({ status: 'ok', models: [] })
    const c = useConnection()
    await c.check()
    expect(c.status.value).toBe('online')

    health.mockRejectedValue(down())
    const scope = effectScope()
    const req = scope.run(() => useRequest(() => Promise.reject(down())))
    await req.run()
    await vi.advanceTimersByTimeAsync(0)
    expect(health).toHaveBeenCalledTimes(2)
    expect(c.status.value).toBe('offline')

    // Back: the request's "cannot reach" error clears by itself, and retry repeats the call.
    health.mockResolvedValue({ status: 'ok', models: [] })
    await vi.advanceTimersByTimeAsync(3000)
    await nextTick()
    expect(c.status.value).toBe('online')
    expect(req.error.value).toBe(null)
    scope.stop()
  })

  it('keeps an error that is not about the connection', async () => {
    vi.spyOn(api, 'getHealth').mockRejectedValue(down())
    const c = useConnection()
    await c.check()
    const scope = effectScope()
    const req = scope.run(() => useRequest(() => Promise.reject(new api.ApiError('Bad seed.', { status: 400 }))))
    await req.run()
    vi.mocked(api.getHealth).mockResolvedValue({ status: 'ok', models: [] })
    await vi.advanceTimersByTimeAsync(3000)
    expect(c.recoveries.value).toBe(1)
    expect(req.error.value.message).toBe('Bad seed.')
    scope.stop()
  })
})

describe('useRequest.retry', () => {
  it('repeats the last call with its arguments', async () => {
    const fn = vi.fn().mockRejectedValueOnce(new Error('x')).mockResolvedValue('ok')
    const { data, error, run, retry } = useRequest(fn)
    await run('a', 2)
    expect(error.value.message).toBe('x')
    await retry()
    expect(fn).toHaveBeenLastCalledWith('a', 2, expect.anything())
    expect([data.value, error.value]).toEqual(['ok', null])
  })
})

describe('keyStep', () => {
  it('moves a 0..1 slider by 0.1 per arrow, 0.25 per page, and stays in range', () => {
    expect(keyStep('ArrowUp', 0.2)).toBe(0.3)
    expect(keyStep('ArrowLeft', 0.05)).toBe(0)
    expect(keyStep('PageUp', 0.9)).toBe(1)
    expect(keyStep('End', 0.3)).toBe(1)
    expect(keyStep('a', 0.3)).toBe(null)
    expect(keyStep('ArrowRight', 3, { min: 1, max: 12, small: 1, big: 3 })).toBe(4)
  })
})

describe('prompt rules', () => {
  it('folds whitespace like the backend and explains an empty or over-long prompt', () => {
    expect(tidyPrompt('  red \n apple ')).toBe('red apple')
    expect(promptError('   ')).toMatch(/Type a prompt first/)
    expect(promptError('a'.repeat(205))).toBe('The prompt is 205 characters long; the limit is 200. Shorten it by 5.')
    expect(promptError('ok')).toBe('')
  })
})
