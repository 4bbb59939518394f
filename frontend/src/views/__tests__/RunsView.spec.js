import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import { runFacts, runSeries, runState } from '@/lib/runSeries'
import SamplePlayer from '@/components/SamplePlayer.vue'
import RunsView from '../RunsView.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  getRuns: vi.fn(),
  getRun: vi.fn(),
  getHealth: vi.fn(async () => ({ status: 'ok', models: [] })),
}))

const row = (epoch) => ({ epoch, step: epoch * 10, loss_d: 1 / epoch, loss_g: epoch, d_real: 0.5, seconds: 6 * epoch })
const summary = (extra = {}) => ({ id: 'digits_gan/e2e', model: 'digits_gan', run: 'e2e', config: 'can', epoch: 2, epochs: 4,
  images_seen: 320, cpu_minutes: 0.4, running: true, finished: false, samples: [1, 2], ...extra })

beforeEach(() => {
  vi.clearAllMocks()
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('RunsView', () => {
  it('says how to start a run when there is none', async () => {
    vi.mocked(api.getRuns).mockResolvedValue({ runs: [], models: ['dcgan'] })
    const w = mount(RunsView)
    await flushPromises()
    expect(w.get('[data-testid="runs-empty"]').text()).toContain('No training runs yet')
    expect(w.text()).toContain('python deep_learning/dcgan/training_loop.py')
  })

  it('lists runs with their progress, opens the newest, and appends new log rows while it trains', async () => {
    vi.mocked(api.getRuns).mockResolvedValue({ runs: [summary(), summary({ id: 'dcgan/old', running: false, finished: true })], models: [] })
    vi.mocked(api.getRun)
      .mockResolvedValueOnce({ ...summary(), rows: [row(1), row(2)], total_rows: 2, options: { lr: 1 }, sample_rows: null })
      .mockResolvedValueOnce({ ...summary({ epoch: 3, samples: [1, 2, 3] }), rows: [row(3)], total_rows: 3, options: {}, sample_rows: null })
    const w = mount(RunsView, { props: { runEvery: 1000, listEvery: 60000 } })
    await flushPromises()
    const items = w.findAll('.run-item')
    expect(items.map((i) => i.find('strong').text())).toEqual(['digits_gan/e2e', 'dcgan/old'])
    expect(items[0].text()).toContain('training')
    expect(items[0].text()).toContain('can · epoch 2 of 4 · 320 images seen · 24 s of CPU')
    expect(items[1].text()).toContain('finished')
    expect(api.getRun).toHaveBeenCalledWith('digits_gan/e2e', { since: 0 })

    await vi.advanceTimersByTimeAsync(1000)
    expect(api.getRun).toHaveBeenLastCalledWith('digits_gan/e2e', { since: 2 })
    expect(w.get('[data-testid="run-facts"]').text()).toContain('epoch 3 of 4')
    expect(w.getComponent(SamplePlayer).props('epochs')).toEqual([1, 2, 3])
    expect(w.get('[data-testid="sample-epoch"]').text()).toBe('epoch 3') // follows the newest grid
  })

  it('stops asking for a run that no longer trains', async () => {
    vi.mocked(api.getRuns).mockResolvedValue({ runs: [summary({ running: false })], models: [] })
    vi.mocked(api.getRun).mockResolvedValue({ ...summary({ running: false }), rows: [row(1)], total_rows: 1, options: {} })
    mount(RunsView, { props: { runEvery: 1000, listEvery: 60000 } })
    await flushPromises()
    await vi.advanceTimersByTimeAsync(5000)
    expect(api.getRun).toHaveBeenCalledTimes(1)
  })
})

describe('SamplePlayer', () => {
  it('steps through the epochs with the slider and plays them in a loop', async () => {
    const w = mount(SamplePlayer, { props: { epochs: [1, 2, 5], src: (e) => `/s/${e}.png`, fps: 10 } })
    expect(w.get('img').attributes('src')).toBe('/s/5.png')
    await w.get('input[type="range"]').setValue(0)
    expect(w.get('img').attributes('src')).toBe('/s/1.png')
    await w.get('button').trigger('click')
    expect(w.get('button').attributes('aria-pressed')).toBe('true')
    await vi.advanceTimersByTimeAsync(100)
    expect(w.get('[data-testid="sample-epoch"]').text()).toBe('epoch 2')
    await vi.advanceTimersByTimeAsync(200)
    expect(w.get('[data-testid="sample-epoch"]').text()).toBe('epoch 1') // wrapped around
    w.unmount()
  })
})

describe('runSeries', () => {
  it('makes one curve per logged number, losses first and visible, counters left out', () => {
    const series = runSeries([row(1), row(2)])
    expect(series.map((s) => [s.key, s.hidden])).toEqual([['loss_d', false], ['loss_g', false], ['d_real', true]])
    expect(series[1].points).toEqual([{ x: 1, y: 1 }, { x: 2, y: 2 }])
  })

  it('describes a run in plain words', () => {
    expect(runFacts({ epoch: 3, epochs: null, images_seen: 48000, cpu_minutes: null, train_minutes: 12.34 })).toEqual(['epoch 3', '48,000 images seen', '12.3 min of training'])
    expect(runState({ running: false, finished: false }).label).toBe('stopped')
  })
})
