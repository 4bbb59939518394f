import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import { useModels } from '@/composables/useModels'
import * as imageSize from '@/lib/imageSize'
import CompareSlider from '@/components/CompareSlider.vue'
import SketchPad from '@/components/SketchPad.vue'
import EnhanceView from '../EnhanceView.vue'
import RandomView from '../RandomView.vue'
import SketchView from '../SketchView.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  randomSample: vi.fn(),
  sketch: vi.fn(),
  enhance: vi.fn(),
  getModels: vi.fn(),
  getHealth: vi.fn(async () => ({ status: 'ok', models: [] })),
}))

const SR = { name: 'sr', kind: 'super-resolution', tasks: ['enhance'], available: true, max_input_side: 128, scale: 4 }
const DC = { name: 'dc', kind: 'random', tasks: ['random'], available: true }

beforeEach(async () => {
  vi.clearAllMocks()
  vi.mocked(api.getModels).mockResolvedValue([SR, DC])
  await useModels().ensure(true)
})

describe('RandomView', () => {
  it('takes a seed and asks for a grid with one seed per image', async () => {
    vi.mocked(api.randomSample).mockImplementation(async ({ seed }) => ({ image: `data:image/png;base64,${seed}`, seed }))
    const w = mount(RandomView)
    await w.get('input[aria-label="Seed"]').setValue('41')
    await w.get('select[aria-label="Number of images"]').setValue('4')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(vi.mocked(api.randomSample).mock.calls.map((c) => c[0].seed)).toEqual([41, 42, 43, 44])
    expect(w.findAll('.random-grid img').map((i) => i.attributes('alt'))).toEqual([41, 42, 43, 44].map((s) => `Random sample, seed ${s}`))
    expect(w.text()).toContain('seeds 41–44')
  })

  it('refuses a bad seed without calling the backend', async () => {
    const w = mount(RandomView)
    await w.get('input[aria-label="Seed"]').setValue('-3')
    await w.get('form').trigger('submit')
    expect(w.get('.field-error').text()).toContain('Seed must be a whole number')
    expect(api.randomSample).not.toHaveBeenCalled()
  })
})

describe('SketchView', () => {
  it('clears the old result together with the canvas', async () => {
    vi.mocked(api.sketch).mockResolvedValue({ image: 'data:image/png;base64,R' })
    const w = mount(SketchView)
    const pad = w.findComponent(SketchPad)
    HTMLCanvasElement.prototype.toBlob = function toBlob(done) {
      done(new Blob(['x'], { type: 'image/png' }))
    }
    pad.vm.$emit('change')
    await flushPromises()
    await w.findAll('button').find((b) => b.text().includes('Convert')).trigger('click')
    await flushPromises()
    expect(api.sketch).toHaveBeenCalled()
    expect(w.get('.frame img').attributes('src')).toBe('data:image/png;base64,R')
    pad.vm.$emit('change', { cleared: true })
    await flushPromises()
    expect(w.find('.frame img').exists()).toBe(false)
    expect(w.text()).toContain('Draw something')
  })

  it('offers Undo with its shortcut', () => {
    const w = mount(SketchPad)
    const undo = w.findAll('button').find((b) => b.text().includes('Undo'))
    expect(undo.attributes('aria-keyshortcuts')).toBe('Control+Z')
    expect(undo.attributes('disabled')).toBeDefined() // nothing drawn yet
  })
})

describe('EnhanceView', () => {
  it('states the input limit before any upload', async () => {
    const w = mount(EnhanceView)
    await flushPromises()
    expect(w.get('[data-testid="enhance-limit"]').text()).toContain('up to 128×128 px (out: up to 512×512)')
  })

  it('says so when an upload was reduced, and shows a before/after slider', async () => {
    vi.spyOn(imageSize, 'imageSize').mockImplementation(async (src) => (typeof src === 'string' ? { width: 128, height: 128 } : { width: 1024, height: 1024 }))
    vi.mocked(api.enhance).mockResolvedValue({ lowRes: 'data:l', bicubic: 'data:b', enhanced: 'data:e' })
    const w = mount(EnhanceView)
    const input = w.get('input[type="file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['x'], 'big.png', { type: 'image/png' })] })
    await input.trigger('change')
    await flushPromises()
    expect(w.get('[data-testid="reduced-note"]').text()).toBe(
      "Your image was reduced from 1024×1024 to 128×128, the model's input limit (128 px on the longer side), before it was enlarged.")
    const slider = w.getComponent(CompareSlider)
    expect(slider.props()).toMatchObject({ before: 'data:b', after: 'data:e' })
  })

  it('says nothing about reducing an image that fitted', async () => {
    vi.spyOn(imageSize, 'imageSize').mockResolvedValue({ width: 64, height: 64 })
    vi.mocked(api.enhance).mockResolvedValue({ lowRes: 'data:l', bicubic: 'data:b', enhanced: 'data:e' })
    const w = mount(EnhanceView)
    const input = w.get('input[type="file"]')
    Object.defineProperty(input.element, 'files', { value: [new File(['x'], 'small.png', { type: 'image/png' })] })
    await input.trigger('change')
    await flushPromises()
    expect(w.find('[data-testid="reduced-note"]').exists()).toBe(false)
  })
})

describe('CompareSlider', () => {
  it('moves the cut with the keyboard in 5% steps', async () => {
    const w = mount(CompareSlider, { props: { before: 'data:b', after: 'data:e' } })
    await w.get('input').trigger('keydown', { key: 'ArrowRight' })
    expect(w.get('figure').attributes('style')).toContain('--cut: 55%')
    await w.get('input').trigger('keydown', { key: 'Home' })
    expect(w.get('figure').attributes('style')).toContain('--cut: 0%')
  })
})
