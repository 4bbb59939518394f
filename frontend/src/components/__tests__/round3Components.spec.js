import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { unzipSync } from 'fflate'
import ApiSnippet from '../ApiSnippet.vue'
import ErrorNotice from '../ErrorNotice.vue'
import ImageGrid from '../ImageGrid.vue'
import ModelCard from '../ModelCard.vue'
import ShareLink from '../ShareLink.vue'
import * as download from '@/lib/download'
import { readPngText } from '@/lib/pngText'
import { ApiError, BUSY } from '@/api'

const PNG = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

afterEach(() => vi.restoreAllMocks())

describe('ErrorNotice while a busy server is asked again', () => {
  it('says busy, when the next try is and which try it is, without Try again', () => {
    const w = mount(ErrorNotice, { props: { waiting: { attempt: 2, of: 4, seconds: 3 }, retry: () => {} } })
    expect(w.text()).toContain('The server is busy: trying again in 3 s (try 2 of 4).')
    expect(w.find('.notice__retry').exists()).toBe(false)
    expect(w.attributes('role')).toBe('status')
  })

  it('shows a busy error calmly, with Try again, never as "not loaded"', () => {
    const error = new ApiError(BUSY, { status: 503, busy: true, hint: 'Still busy after 4 tries.' })
    const w = mount(ErrorNotice, { props: { error, retry: () => {} } })
    expect(w.classes()).toContain('notice--muted')
    expect(w.text()).toContain('The server is busy.')
    expect(w.text()).not.toContain('not loaded')
    expect(w.find('.notice__retry').exists()).toBe(true)
  })
})

describe('ImageGrid, round 3', () => {
  const props = { images: [PNG, PNG], seeds: [7, 8], params: { prompt: 'red apple', model: 'text-to-image', size: '1x1' }, basename: 'red-apple' }

  it('names each image\'s seed on the tile and in the large view', async () => {
    const w = mount(ImageGrid, { props, attachTo: document.body })
    expect(w.findAll('.tile__seed').map((s) => s.text())).toEqual(['seed 7', 'seed 8'])
    await w.get('button[aria-label="Open image 2 large, seed 8"]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid="lightbox-caption"]').text()).toBe('seed 8')
    expect(w.get('dialog').text()).toContain('Download')
    w.unmount()
  })

  it('downloads a PNG with its prompt, seed and model inside, named by its seed', async () => {
    const saved = vi.spyOn(download, 'downloadBlob').mockImplementation(() => {})
    const w = mount(ImageGrid, { props })
    await w.get('button[aria-label="Download image 2"]').trigger('click')
    const [bytes, name] = saved.mock.calls[0]
    expect(name).toBe('red-apple-seed8.png')
    expect(readPngText(bytes).parameters).toBe('red apple\nSeed: 8, Size: 1x1, Model: text-to-image, Software: GAN Studio')
  })

  it('zips every image with its 4x version, each with its parameters', async () => {
    const saved = vi.spyOn(download, 'downloadBlob').mockImplementation(() => {})
    const enhance = vi.fn(async () => PNG)
    const w = mount(ImageGrid, { props: { ...props, enhance } })
    const names = await w.vm.downloadZip()
    expect(names).toEqual(['red-apple-seed7.png', 'red-apple-seed7-4x.png', 'red-apple-seed8.png', 'red-apple-seed8-4x.png'])
    expect(enhance).toHaveBeenCalledTimes(2)
    const [zip, name] = saved.mock.calls[0]
    expect(name).toBe('red-apple.zip')
    const files = unzipSync(zip)
    expect(readPngText(files['red-apple-seed8-4x.png']).parameters).toBe('red apple\nSeed: 8, Size: 4x4, Model: text-to-image, Upscaler: super-resolution 4x, Software: GAN Studio')
  })

  it('keeps the keyboard focus on the picture when its 4x button goes away', async () => {
    let finish
    const enhance = vi.fn(() => new Promise((resolve) => (finish = resolve)))
    const w = mount(ImageGrid, { props: { ...props, enhance }, attachTo: document.body })
    const button = w.get('button[aria-label="Enlarge image 1 4x"]')
    button.element.focus()
    await button.trigger('click')
    expect(button.attributes('aria-disabled')).toBe('true') // still focusable while it works
    expect(document.activeElement).toBe(button.element)
    finish(PNG)
    await flushPromises()
    expect(w.find('button[aria-label="Enlarge image 1 4x"]').exists()).toBe(false)
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Open image 1 large, seed 7')
    w.unmount()
  })
})

describe('ShareLink', () => {
  it('copies the link, and shows it to copy by hand where the clipboard is refused', async () => {
    const writeText = vi.fn().mockResolvedValueOnce().mockRejectedValueOnce(new Error('denied'))
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = mount(ShareLink, { props: { url: 'http://x/#/paint?prompt=a&seed=1&n=5' } })
    await w.get('button').trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith('http://x/#/paint?prompt=a&seed=1&n=5')
    expect(w.text()).toContain('Link copied')
    await w.get('button').trigger('click')
    await flushPromises()
    expect(w.get('input').element.value).toBe('http://x/#/paint?prompt=a&seed=1&n=5')
  })
})

describe('ApiSnippet', () => {
  it('shows the request as curl and Python, and links the API documentation', async () => {
    const call = { method: 'GET', url: 'http://s:5000/?input=red+apple&n=5&seed=7', result: { key: 'images', list: true, ext: 'png' } }
    const w = mount(ApiSnippet, { props: { call } })
    const code = w.findAll('pre').map((p) => p.text())
    expect(code[0]).toContain("curl -sS 'http://s:5000/?input=red+apple&n=5&seed=7'")
    expect(code[1]).toContain('requests.get("http://s:5000/", params={"input": "red apple", "n": 5, "seed": 7}, timeout=60)')
    expect(w.get('a').attributes('href')).toMatch(/\/api\/docs$/)
  })
})

describe('ModelCard while the server is unreachable', () => {
  it('says so instead of "loaded", and puts a line of text where the sample grid would fail', () => {
    const model = { name: 'dcgan', kind: 'emoji-dcgan', title: 'DCGAN', available: true, samplesSrc: 'http://s/g.png', metrics: { notes: 'Judge: deep_learning/classifiers/checkpoints/mnist.pt, 99.6%.' } }
    const w = mount(ModelCard, { props: { model, online: false } })
    expect(w.get('[data-testid="model-status"]').text()).toBe('server unreachable')
    expect(w.find('img').exists()).toBe(false)
    expect(w.text()).toContain('cannot load while the server is unreachable')
    expect(w.text()).toContain('Judge: mnist.pt, 99.6%.')
    expect(mount(ModelCard, { props: { model } }).get('[data-testid="model-status"]').text()).toBe('loaded')
  })
})

describe('ImageGrid large view, 4x', () => {
  it('enlarges from the large view and keeps its button (and the focus) in place', async () => {
    const enhance = vi.fn(async () => PNG)
    const w = mount(ImageGrid, { props: { images: [PNG], seeds: [3], enhance }, attachTo: document.body })
    await w.get('button[aria-label="Open image 1 large, seed 3"]').trigger('click')
    await flushPromises()
    const button = () => w.findAll('dialog button').find((b) => /4x/.test(b.text()))
    await button().trigger('click')
    await flushPromises()
    expect(enhance).toHaveBeenCalledTimes(1)
    expect(button().text()).toBe('Enlarged 4x')
    expect(button().attributes('aria-disabled')).toBe('true')
    expect(w.get('[data-testid="lightbox-caption"]').text()).toBe('seed 3 · 4x')
    w.unmount()
  })
})

describe('ModelCard columns', () => {
  it('names the metrics columns as the card from /api/models says', () => {
    const model = { name: 'x', kind: 'new-kind', title: 'X', available: true, columns: { train: 'Seen faces', test: 'Unseen faces', test_help: 'Faces never trained on.' },
      metrics: { rows: [{ label: 'x', train: { fid: 1 }, test: { fid: 2 } }] } }
    const w = mount(ModelCard, { props: { model } })
    expect(w.findAll('thead th').map((th) => th.text())).toEqual(['Metric', 'Seen faces', 'Unseen faces'])
    expect(w.get('.metrics__legend').text()).toContain('Unseen faces: Faces never trained on.')
  })
})
