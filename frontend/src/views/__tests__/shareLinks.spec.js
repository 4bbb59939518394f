import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import { useModels } from '@/composables/useModels'
import DigitsView from '../DigitsView.vue'
import MixerView from '../MixerView.vue'
import RandomView from '../RandomView.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  digits: vi.fn(async ({ value, seed }) => ({ image: `data:image/jpeg;base64,${value}`, seed })),
  mix: vi.fn(async ({ seed }) => ({ image: `data:image/png;base64,${seed}`, seed })),
  randomSample: vi.fn(async ({ seed }) => ({ image: `data:image/png;base64,${seed}`, seed })),
  getModels: vi.fn(async () => [{ name: 'dc', kind: 'random', tasks: ['random'], available: true }]),
  getHealth: vi.fn(async () => ({ status: 'ok', models: [] })),
}))

const at = (hash) => history.replaceState(null, '', hash)

beforeEach(async () => {
  vi.clearAllMocks()
  await useModels().ensure(true)
})
afterEach(() => at('#/'))

describe('share links on the other tabs', () => {
  it('Digits: opens on a number and a seed, writes the same hand, and names them in the address', async () => {
    at('#/digits?value=2024&seed=9')
    const w = mount(DigitsView)
    await flushPromises()
    expect(api.digits).toHaveBeenCalledWith({ value: '2024', seed: 9 }, expect.anything())
    expect(w.get('#digits').element.value).toBe('2024')
    expect(w.text()).toContain('seed 9')
    expect(location.hash).toBe('#/digits?value=2024&seed=9')
  })

  it('Digits: a new number gets a seed of its own, in the address', async () => {
    at('#/digits')
    const w = mount(DigitsView)
    await w.get('#digits').setValue('42')
    await w.get('form').trigger('submit')
    await flushPromises()
    const { seed } = vi.mocked(api.digits).mock.calls[0][0]
    expect(location.hash).toBe(`#/digits?value=42&seed=${seed}`)
  })

  it('Mixer: opens on the label weights and the style seed, once', async () => {
    at('#/mixer?w=0,0,0.5,0.5,0,0,0,0,0,0&seed=11')
    const w = mount(MixerView, { props: { delay: 0 } })
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(api.mix).toHaveBeenCalledTimes(1)
    expect(api.mix).toHaveBeenCalledWith({ weights: [0, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0], seed: 11 }, expect.anything())
    expect(w.get('#w2').element.value).toBe('0.5')
    expect(location.hash).toBe('#/mixer?w=0%2C0%2C0.5%2C0.5%2C0%2C0%2C0%2C0%2C0%2C0&seed=11')
  })

  it('Random: opens on a seed and a grid size', async () => {
    at('#/random?seed=41&n=4')
    const w = mount(RandomView)
    await flushPromises()
    expect(vi.mocked(api.randomSample).mock.calls.map((c) => c[0].seed)).toEqual([41, 42, 43, 44])
    expect(w.text()).toContain('seeds 41–44')
    expect(location.hash).toBe('#/random?seed=41&n=4')
  })
})
