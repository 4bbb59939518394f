import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import App from '../App.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  getHealth: vi.fn(),
  getModels: vi.fn(),
  getPrompts: vi.fn(),
  digits: vi.fn(),
}))

const TASKS = { 'text-to-image': ['paint'], digits: ['digits', 'mix', 'random'], sketch: ['sketch'] }
const model = (name, kind, available = true) => ({ name, kind, tasks: TASKS[kind], title: name, available, training: {}, metrics: null, samplesSrc: null })

async function open(hash) {
  window.location.hash = hash
  const w = mount(App)
  await flushPromises()
  return w
}

beforeEach(() => {
  vi.mocked(api.getHealth).mockResolvedValue({ status: 'ok', models: [] })
  vi.mocked(api.getPrompts).mockResolvedValue({ train: [], test: [] })
  vi.mocked(api.getModels).mockResolvedValue([model('tac', 'text-to-image'), model('cgan', 'digits'), model('pix', 'sketch', false)])
})
afterEach(() => {
  window.location.hash = ''
})

describe('App tabs', () => {
  it('shows the Paint tab by default', async () => {
    const w = await open('')
    expect(w.get('h1').text()).toBe('Paint with words')
    expect(w.get('[aria-current="page"]').text()).toBe('Paint')
  })

  it('says plainly when a model is missing from /api/models', async () => {
    const w = await open('#/enhance')
    expect(w.text()).toContain('This model is not loaded on the server')
    expect(w.find('.dropzone').exists()).toBe(false)
  })

  it('says plainly when a model is listed but not available', async () => {
    const w = await open('#/sketch')
    expect(w.text()).toContain('This model is not loaded on the server')
    expect(w.find('canvas').exists()).toBe(false)
  })

  it('turns a 503 from a route into the same message', async () => {
    vi.mocked(api.digits).mockRejectedValue(new api.ApiError(api.NOT_LOADED, { status: 503, unavailable: true }))
    const w = await open('#/digits')
    await w.get('#digits').setValue('12')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toContain('This model is not loaded on the server')
  })

  it('switches tabs on hash change without reloading', async () => {
    const w = await open('#/paint')
    window.location.hash = '#/models'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await flushPromises()
    expect(w.get('h1').text()).toBe('Models')
  })

  it('titles each tab with the titles /api/models gives the models that serve it', async () => {
    vi.mocked(api.getModels).mockResolvedValue([{ ...model('cgan', 'digits'), title: 'Registry digits' }])
    const w = await open('#/digits')
    expect(w.get('a[href="#/mixer"]').attributes('title')).toBe('Registry digits')
    expect(w.get('a[href="#/enhance"]').attributes('title')).toBe('Enhance') // none serves it: the label
  })

  it('keeps tabs usable when the model list cannot be fetched', async () => {
    vi.mocked(api.getModels).mockRejectedValue(new api.ApiError('Cannot reach the backend at x.', { network: true }))
    vi.mocked(api.getHealth).mockRejectedValue(new api.ApiError('Cannot reach the backend at x.', { network: true }))
    const w = await open('#/digits')
    expect(w.find('#digits').exists()).toBe(true)
    expect(w.text()).toContain('Backend unreachable')
  })
})
