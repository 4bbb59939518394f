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
  })

  it('keeps checking while the backend answers, so an idle page notices when it stops', async () => {
    const health = vi.spyOn(api, 'getHealth').mockResolvedValue({ status: 'ok', models: ['a'] })
    const c = useConnection({ pollMs: 3000, upPollMs: 10000 })
    await c.check()
    expect(c.status.value).toBe('online')
    await vi.advanceTimersByTimeAsync(10000)
    expect(health).toHaveBeenCalledTimes(2)

    health.mockRejectedValue(down()) // the server stops while nobody touches the page
    await vi.advanceTimersByTimeAsync(10000)
    expect(c.status.value).toBe('offline')
    await vi.advanceTimersByTimeAsync(3000) // and checks at the faster pace while down
    expect(health).toHaveBeenCalledTimes(4)
  })

  it('checks again when the browser tab comes back into view', async () => {
    const health = vi.spyOn(api, 'getHealth').mockResolvedValue({ status: 'ok', models: [] })
    const c = useConnection({ upPollMs: 0 })
    await c.check()
    document.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(health).toHaveBeenCalledTimes(2)
  })

  it('re-checks health at once when a request gets no answer, so the header never says online beside that error', async () => {
    const health = vi.spyOn(api, 'getHealth').mockResolvedValue({ status: 'ok', models: [] })
    const c = useConnection()
    await c.check()
    expect(c.status.value).toBe('online')

    health.mockRejectedValue(down())
    const scope = effectScope()
    const req = scope.run(() => useRequest(vi.fn().mockRejectedValueOnce(down()).mockResolvedValue('ok')))
    await req.run()
    await vi.advanceTimersByTimeAsync(0)
    expect(health).toHaveBeenCalledTimes(2)
    expect(c.status.value).toBe('offline')

    // Back: the request's "cannot reach" error clears by itself, as the call is repeated.
    health.mockResolvedValue({ status: 'ok', models: [] })
    await vi.advanceTimersByTimeAsync(3000)
    await vi.advanceTimersByTimeAsync(0)
    expect(c.status.value).toBe('online')
    expect(req.error.value).toBe(null)
    scope.stop()
  })

  it('asks again what failed during the outage once the backend is back, and never shows the older result meanwhile', async () => {
    const health = vi.spyOn(api, 'getHealth').mockResolvedValue({ status: 'ok', models: [] })
    const c = useConnection()
    await c.check()
    const fn = vi.fn().mockResolvedValueOnce('apple pictures').mockRejectedValueOnce(down()).mockResolvedValue('car pictures')
    const scope = effectScope()
    const req = scope.run(() => useRequest(fn))
    await req.run('red apple')
    health.mockRejectedValue(down())
    await req.run('blue car')
    await vi.advanceTimersByTimeAsync(0)
    expect(c.status.value).toBe('offline')
    expect(req.data.value).toBe(null) // the apples are gone: they do not answer "blue car"

    health.mockResolvedValue({ status: 'ok', models: [] })
    await vi.advanceTimersByTimeAsync(3000)
    await vi.advanceTimersByTimeAsync(0)
    expect(fn).toHaveBeenLastCalledWith('blue car', expect.anything())
    expect(req.data.value).toBe('car pictures')
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

describe('useRequest on a busy server', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())
  const busy = (retryAfter = 2) => new api.ApiError(api.BUSY, { status: 503, busy: true, retryAfter })

  it('waits as long as Retry-After says, says so, and asks again', async () => {
    const fn = vi.fn().mockRejectedValueOnce(busy(2)).mockResolvedValue('ok')
    const req = useRequest(fn)
    const done = req.run('x')
    await vi.advanceTimersByTimeAsync(0)
    expect(req.waiting.value).toEqual({ attempt: 2, of: 4, seconds: 2 })
    expect(req.loading.value).toBe(true)
    await vi.advanceTimersByTimeAsync(1999)
    expect(fn).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1)
    await done
    expect(fn).toHaveBeenCalledTimes(2)
    expect([req.data.value, req.error.value, req.waiting.value]).toEqual(['ok', null, null])
    expect(req.elapsed.value).toBeGreaterThanOrEqual(2000)
  })

  it('gives up after a few tries with a busy error and Try again', async () => {
    const fn = vi.fn().mockRejectedValue(busy(1))
    const req = useRequest(fn, { busyRetries: 2 })
    const done = req.run()
    await vi.advanceTimersByTimeAsync(5000)
    await done
    expect(fn).toHaveBeenCalledTimes(3)
    expect(req.error.value.busy).toBe(true)
    expect(req.error.value.message).toBe(api.BUSY)
    expect(req.error.value.hint).toMatch(/after 3 tries/)
    expect(req.waiting.value).toBe(null)
  })

  it('a newer request cancels the wait of the older one', async () => {
    const fn = vi.fn().mockRejectedValueOnce(busy(5)).mockResolvedValue('new')
    const req = useRequest(fn)
    req.run('old')
    await vi.advanceTimersByTimeAsync(0)
    await req.run('new')
    await vi.advanceTimersByTimeAsync(10000)
    expect(fn).toHaveBeenCalledTimes(2)
    expect(req.data.value).toBe('new')
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
