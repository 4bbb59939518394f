import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import MixerView from '../MixerView.vue'

vi.mock('@/api', async (importOriginal) => ({ ...(await importOriginal()), mix: vi.fn() }))

beforeEach(() => {
  vi.useFakeTimers()
  vi.mocked(api.mix).mockReset().mockImplementation(async ({ seed }) => ({ image: `data:image/png;base64,${seed}`, seed }))
})
afterEach(() => vi.useRealTimers())

describe('MixerView', () => {
  it('renders ten sliders and fetches an image on mount', async () => {
    const w = mount(MixerView)
    expect(w.findAll('input[type="range"]')).toHaveLength(10)
    expect(api.mix).toHaveBeenCalledTimes(1)
  })

  it('debounces slider moves into one request with the final weights', async () => {
    const w = mount(MixerView)
    vi.mocked(api.mix).mockClear()
    const slider = w.get('#w7')
    for (const v of ['0.2', '0.5', '0.9']) {
      await slider.setValue(v)
      vi.advanceTimersByTime(50)
    }
    expect(api.mix).not.toHaveBeenCalled()
    vi.advanceTimersByTime(150)
    expect(api.mix).toHaveBeenCalledTimes(1)
    const { weights } = vi.mocked(api.mix).mock.calls[0][0]
    expect(weights[7]).toBe(0.9)
    expect(weights[3]).toBe(1)
  })

  it('"New style" asks at once with a new seed', async () => {
    const w = mount(MixerView)
    const first = vi.mocked(api.mix).mock.calls[0][0].seed
    await w.findAll('button').find((b) => b.text().includes('New style')).trigger('click')
    expect(api.mix).toHaveBeenCalledTimes(2)
    expect(vi.mocked(api.mix).mock.calls[1][0].seed).not.toBe(first)
  })

  it('ignores a stale answer that arrives after a newer one', async () => {
    let releaseSlow
    vi.mocked(api.mix)
      .mockImplementationOnce(() => new Promise((r) => (releaseSlow = () => r({ image: 'data:old', seed: 1 }))))
      .mockImplementationOnce(async () => ({ image: 'data:new', seed: 2 }))
    const w = mount(MixerView)
    await w.get('#w0').setValue('0.6')
    vi.advanceTimersByTime(150)
    await flushPromises()
    releaseSlow()
    await flushPromises()
    expect(w.get('.frame img').attributes('src')).toBe('data:new')
  })
})
