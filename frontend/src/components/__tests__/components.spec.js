import { describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ImageGrid from '../ImageGrid.vue'
import ErrorNotice from '../ErrorNotice.vue'
import MetricsTable from '../MetricsTable.vue'
import ModelCard from '../ModelCard.vue'
import { ApiError, NOT_LOADED } from '@/api'

describe('ImageGrid', () => {
  it('shows one skeleton per requested image while loading', () => {
    const w = mount(ImageGrid, { props: { loading: true, count: 7 } })
    expect(w.findAll('[data-testid="skeleton"]')).toHaveLength(7)
    expect(w.attributes('aria-busy')).toBe('true')
  })

  it('shows the images, each with a download button', () => {
    const w = mount(ImageGrid, { props: { images: ['data:a', 'data:b'] } })
    expect(w.findAll('img').map((i) => i.attributes('src'))).toEqual(['data:a', 'data:b'])
    expect(w.findAll('button[aria-label^="Download"]')).toHaveLength(2)
    expect(w.findAll('button[aria-label*="4x"]')).toHaveLength(0) // no enhancer given
  })

  it('draws small images with crisp pixels', () => {
    const w = mount(ImageGrid, { props: { images: ['data:a'], pixelated: true } })
    expect(w.get('img').classes()).toContain('pixelated')
  })

  it('swaps a tile for its 4x version, and says so when that fails', async () => {
    const calls = []
    const enhance = async (src) => {
      calls.push(src)
      if (src === 'data:bad') throw new Error('offline')
      return `${src}-4x`
    }
    const w = mount(ImageGrid, { props: { images: ['data:a', 'data:bad'], pixelated: true, enhance } })
    await w.get('button[aria-label="Enlarge image 1 4x"]').trigger('click')
    await flushPromises()
    const first = w.findAll('img')[0]
    expect(first.attributes('src')).toBe('data:a-4x')
    expect(first.classes()).not.toContain('pixelated')
    expect(w.findAll('button[aria-label*="4x"]')).toHaveLength(1) // only the second tile still offers it
    await w.get('button[aria-label="Enlarge image 2 4x"]').trigger('click')
    await flushPromises()
    expect(calls).toEqual(['data:a', 'data:bad'])
    expect(w.text()).toContain('4x failed: offline')
    await w.setProps({ images: ['data:c'] })
    expect(w.get('img').attributes('src')).toBe('data:c') // a new result starts un-enlarged
  })
})

describe('ErrorNotice', () => {
  it('announces errors', () => {
    const w = mount(ErrorNotice, { props: { error: new ApiError('Cannot reach the backend at http://h:5000.') } })
    expect(w.get('[role="alert"]').text()).toContain('Cannot reach the backend at http://h:5000.')
  })

  it('keeps technical words behind "Details" and offers "Try again" when it can', async () => {
    const retry = vi.fn()
    const error = new ApiError('Cannot reach the backend at http://h:5000.', { network: true, hint: 'It may be restarting.', detail: 'no answer (CORS?)' })
    const w = mount(ErrorNotice, { props: { error, retry } })
    expect(w.get('.notice__title').text()).toBe('Cannot reach the backend at http://h:5000.')
    expect(w.get('details summary').text()).toBe('Details')
    expect(w.get('details').text()).toContain('CORS')
    expect(w.get('.notice__title').text() + w.find('.notice__body > .notice__detail').text()).not.toContain('CORS')
    await w.get('button').trigger('click')
    expect(retry).toHaveBeenCalledOnce()
  })

  it('renders a 503 as "not loaded", not as a failure', () => {
    const w = mount(ErrorNotice, { props: { error: new ApiError(NOT_LOADED, { unavailable: true }) } })
    expect(w.classes()).toContain('notice--muted')
    expect(w.text()).toContain('This model is not loaded on the server')
  })
})

describe('MetricsTable', () => {
  it('puts train and held-out numbers side by side, with plain names and the direction', async () => {
    const metrics = { rows: [{ label: 'generated', train: { fid: 124.49, is: 2.75 }, test: { fid: 146.93, is: 2.74 } }] }
    const w = mount(MetricsTable, { props: { metrics, kind: 'text-to-image' } })
    const fid = w.findAll('tbody tr').find((r) => r.text().startsWith('FID ↓'))
    expect(fid.findAll('td').map((c) => c.text())).toEqual(['124.49', '146.93'])
    expect(w.text()).not.toMatch(/Fréchet/) // explanations wait for a tap or Enter on the name
    await fid.get('button.metrics__name').trigger('click')
    expect(w.get('.metrics__help').text()).toMatch(/Fréchet Inception Distance.*Lower is better/)
    expect(fid.get('button').attributes('aria-expanded')).toBe('true')
    expect(w.text()).toContain('Inception Score ↑')
    expect(w.text()).toContain('Held-out prompts')
  })

  it('names the columns for the model and drops a column no row fills', () => {
    const metrics = { rows: [{ label: 'Pix2Pix', train: {}, test: { l1: 0.1051, ssim: 0.6722 } }] }
    const w = mount(MetricsTable, { props: { metrics, kind: 'sketch' } })
    const heads = w.findAll('thead th').map((h) => h.text())
    expect(heads).toEqual(['Metric', 'Held-out images'])
    expect(w.text()).not.toContain('prompts')
    expect(w.text()).toContain('L1 error ↓')
  })

  it('never shows "-0", folds KID\'s deviation into its cell and shows accuracies as percentages', () => {
    const metrics = { rows: [{ label: 'real', train: { kid: -0.00043, kid_std: 0.00107, class_accuracy: 0.79 }, test: { kid: 0.03204, kid_std: 0.00285 } }] }
    const w = mount(MetricsTable, { props: { metrics, kind: 'text-to-image' } })
    const cells = w.findAll('td').map((c) => c.text())
    expect(cells).toEqual(['≈ 0± 0.0011', '0.032± 0.0029', '79%', '—'])
    expect(w.get('.metrics__std').text()).toBe('± 0.0011')
    expect(w.text()).not.toMatch(/-0(?![.\d])/)
    expect(w.text()).not.toContain('kid_std')
  })
})

describe('MetricsTable, round 3', () => {
  it('shows a KID below zero as about zero, with the measured value in its note', () => {
    const metrics = { rows: [{ label: 'real data', train: { kid: -0.00069, kid_std: 0.0007 }, test: { kid: 0.05 } }] }
    const w = mount(MetricsTable, { props: { metrics, kind: 'text-to-image' } })
    const cell = w.findAll('td')[0]
    expect(cell.text()).toBe('≈ 0± 0.0007')
    expect(cell.get('span').attributes('title')).toMatch(/Measured -0.00069/)
    expect(w.text()).not.toContain('-0.00069')
  })

  it('marks the shipped row and the reference, and names each cell\'s column for the stacked phone layout', () => {
    const metrics = { rows: [
      { label: 'real data', train: { fid: 79 }, test: { fid: 75 } },
      { label: 'emoji64-117min', train: { fid: 163 }, test: { fid: 168 } },
      { label: 'default', train: { fid: 166 }, test: { fid: 175 } },
    ] }
    const w = mount(MetricsTable, { props: { metrics, kind: 'text-to-image' } })
    const groups = w.findAll('.metrics__group th').map((th) => th.text())
    expect(groups).toEqual(['real data reference', 'emoji64-117min', 'default shipped'])
    expect(w.findAll('td').map((td) => td.attributes('data-col'))).toContain('Held-out prompts')
    expect(w.get('.metrics__legend').text()).toMatch(/Held-out prompts: Prompts the model never saw/)
  })
})

describe('ModelCard', () => {
  const card = (extra = {}) => ({
    name: 'sr', kind: 'super-resolution', title: 'SRGAN', available: true, samplesSrc: null,
    training: { epochs: 24, cpu_minutes: 95.4, config: { perceptual_network: '/srv/models/vgg.pt', lr: 0.0002 } },
    metrics: { rows: [{ label: 'SRGAN', train: { psnr: 25.7 }, test: { psnr: 26.1 } }], notes: 'On 1000 held-out images.' },
    ...extra,
  })

  it('keeps the notes and the raw config behind a details toggle, without server paths', () => {
    const w = mount(ModelCard, { props: { model: card() } })
    const details = w.get('details')
    expect(details.attributes('open')).toBeUndefined()
    expect(details.text()).toContain('On 1000 held-out images.')
    expect(details.get('pre').text()).toContain('"perceptual_network": "vgg.pt"')
    expect(w.text()).not.toContain('/srv/')
    expect(w.get('.facts').text()).toContain('CPU time95.4 min')
    expect(w.text()).toContain('Held-out images')
  })

  it('labels each row of a text-to-image sample grid with its prompt', () => {
    const rows = [{ split: 'train', prompt: 'skis' }, { split: 'held-out', prompt: 'parrot' }]
    const w = mount(ModelCard, { props: { model: card({ kind: 'text-to-image', samplesSrc: '/s.png', samples_rows: rows }) } })
    const items = w.findAll('.model-card__rows li')
    expect(items.map((li) => li.text())).toEqual(['skis', 'parrot'])
    expect(items[1].classes()).toContain('is-unseen')
  })
})

describe('ImageGrid large view', () => {
  it('opens a clicked image large, steps with the arrow keys and closes', async () => {
    const w = mount(ImageGrid, { props: { images: ['data:a', 'data:b', 'data:c'], pixelated: true }, attachTo: document.body })
    expect(w.find('dialog[open]').exists()).toBe(false)
    await w.get('button[aria-label="Open image 2 large"]').trigger('click')
    await flushPromises()
    const dialog = w.get('dialog')
    expect(dialog.attributes('open')).toBeDefined()
    expect(dialog.get('img').attributes('src')).toBe('data:b')
    expect(dialog.get('img').classes()).toContain('pixelated')
    await dialog.trigger('keydown', { key: 'ArrowRight' })
    expect(w.get('dialog img').attributes('src')).toBe('data:c')
    await dialog.trigger('keydown', { key: 'ArrowRight' })
    expect(w.get('dialog img').attributes('src')).toBe('data:a') // wraps around
    await w.get('button[aria-label="Close the large view"]').trigger('click')
    await flushPromises()
    expect(w.find('dialog img').exists()).toBe(false)
    expect(w.get('dialog').attributes('open')).toBeUndefined()
    w.unmount()
  })
})
