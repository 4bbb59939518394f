import { describe, expect, it, vi } from 'vitest'
import { useRequest } from '@/composables/useRequest'
import { usePromptHistory } from '@/composables/usePromptHistory'
import { statusOf } from '@/composables/useModels'
import { digitsError } from '@/lib/digits'
import { parseSeed } from '@/lib/seed'

function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

describe('useRequest', () => {
  it('exposes loading, data and error', async () => {
    const d = deferred()
    const { data, error, loading, run } = useRequest(() => d.promise)
    const done = run()
    expect(loading.value).toBe(true)
    d.resolve('ok')
    await done
    expect([data.value, error.value, loading.value]).toEqual(['ok', null, false])
  })

  it('keeps the newest answer when an older one arrives late', async () => {
    const slow = deferred()
    const fast = deferred()
    const fn = vi.fn().mockReturnValueOnce(slow.promise).mockReturnValueOnce(fast.promise)
    const { data, loading, run } = useRequest(fn)
    const first = run('a')
    const second = run('b')
    fast.resolve('new')
    await second
    slow.resolve('stale')
    await first
    expect(data.value).toBe('new')
    expect(loading.value).toBe(false)
  })

  it('aborts the request it replaces', () => {
    const signals = []
    const { run } = useRequest((_, { signal }) => (signals.push(signal), new Promise(() => {})))
    run(1)
    run(2)
    expect(signals[0].aborted).toBe(true)
    expect(signals[1].aborted).toBe(false)
  })

  it('stores errors', async () => {
    const { error, run } = useRequest(() => Promise.reject(new Error('boom')))
    await run()
    expect(error.value.message).toBe('boom')
  })
})

describe('usePromptHistory', () => {
  it('keeps the last 8 prompts, newest first, without duplicates', () => {
    localStorage.clear()
    const h = usePromptHistory()
    for (let i = 1; i <= 10; i++) h.add(`prompt ${i}`)
    h.add('prompt 5')
    expect(h.items.value).toHaveLength(8)
    expect(h.items.value[0]).toBe('prompt 5')
    expect(h.items.value.filter((p) => p === 'prompt 5')).toHaveLength(1)
    expect(usePromptHistory().items.value).toEqual(h.items.value)
  })
})

describe('statusOf', () => {
  const isSketch = (m) => m.kind === 'sketch'
  it.each([
    [null, 'unknown'],
    [[{ kind: 'digits' }], 'missing'],
    [[{ kind: 'sketch', available: false }], 'unavailable'],
    [[{ kind: 'sketch', available: true }], 'ok'],
  ])('%j -> %s', (models, expected) => expect(statusOf(models, isSketch)).toBe(expected))
})

describe('input rules', () => {
  it.each([
    ['', ''],
    ['0123456789', ''],
    ['12a', 'Only digits 0-9.'],
    ['-1', 'Only digits 0-9.'],
    ['12345678901', 'Max 10 digits.'],
  ])('digitsError(%j) = %j', (value, expected) => expect(digitsError(value)).toBe(expected))

  it('parses seeds: empty is random, junk is an error', () => {
    expect(parseSeed('')).toEqual({ seed: null, error: '' })
    expect(parseSeed(' 42 ')).toEqual({ seed: 42, error: '' })
    expect(parseSeed('4.2').error).toMatch(/whole number/)
  })
})
