import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import PaintView from '../PaintView.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  paint: vi.fn(),
  getPrompts: vi.fn(),
  getModels: vi.fn(),
  getHealth: vi.fn(async () => ({ status: 'ok', models: [] })),
}))

function deferred() {
  let resolve, reject
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)))
  return { promise, resolve, reject }
}

const result = (seed = 1234) => ({ images: Array.from({ length: 5 }, (_, i) => `data:image/png;base64,${i}`), seed, prompt: 'red apple', model: 'tac' })

async function mountAndGenerate(prompt = 'red apple') {
  const w = mount(PaintView)
  await w.get('#prompt').setValue(prompt)
  await w.get('form').trigger('submit')
  return w
}

beforeEach(() => {
  localStorage.clear()
  vi.mocked(api.getPrompts).mockResolvedValue({ train: ['red apple'], test: ['purple octopus'] })
  vi.mocked(api.paint).mockReset()
})

describe('PaintView', () => {
  it('disables Generate and shows skeletons while the request is in flight', async () => {
    const d = deferred()
    vi.mocked(api.paint).mockReturnValue(d.promise)
    const w = await mountAndGenerate()
    const button = w.get('button[type="submit"]')
    expect(button.attributes('disabled')).toBeDefined()
    expect(button.text()).toContain('Generating')
    expect(w.findAll('[data-testid="skeleton"]')).toHaveLength(5)

    d.resolve(result())
    await flushPromises()
    expect(w.findAll('[data-testid="skeleton"]')).toHaveLength(0)
    expect(w.findAll('.image-grid img')).toHaveLength(5)
    expect(w.text()).toContain('seed 1234')
  })

  it('asks for the chosen number of images, with no seed when the field is empty', async () => {
    vi.mocked(api.paint).mockResolvedValue(result())
    const w = mount(PaintView)
    await w.get('#prompt').setValue('  blue car ')
    await w.get('input[type="number"]').setValue(9)
    await w.get('form').trigger('submit')
    expect(api.paint).toHaveBeenCalledWith({ prompt: 'blue car', n: 9, seed: null, model: undefined }, expect.anything())
  })

  it('shows the network error', async () => {
    vi.mocked(api.paint).mockRejectedValue(new api.ApiError('Cannot reach the backend at http://localhost:5000.', { network: true }))
    const w = await mountAndGenerate()
    await flushPromises()
    expect(w.get('[role="alert"] .notice__title').text()).toBe('Cannot reach the backend at http://localhost:5000.')
    expect(w.get('[role="alert"]').text()).toContain('Try again')
    expect(w.get('button[type="submit"]').attributes('disabled')).toBeUndefined()
  })

  it("shows a 400's error text", async () => {
    vi.mocked(api.paint).mockRejectedValue(new api.ApiError("Missing 'input' prompt.", { status: 400 }))
    const w = await mountAndGenerate()
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toContain("Missing 'input' prompt.")
  })

  it('re-uses the seed of the last result', async () => {
    vi.mocked(api.paint).mockResolvedValue(result(4242))
    const w = await mountAndGenerate()
    await flushPromises()
    await w.findAll('button').find((b) => b.text().includes('Reuse seed')).trigger('click')
    expect(w.get('input[placeholder="random"]').element.value).toBe('4242')
    await w.get('form').trigger('submit')
    expect(vi.mocked(api.paint).mock.calls[1][0]).toMatchObject({ seed: 4242 })
  })

  it('rejects a bad seed inline without calling the backend', async () => {
    const w = mount(PaintView)
    await w.get('#prompt').setValue('red apple')
    await w.get('input[placeholder="random"]').setValue('abc')
    await w.get('form').trigger('submit')
    expect(w.text()).toContain('Seed must be a whole number')
    expect(api.paint).not.toHaveBeenCalled()
  })

  it('offers example prompts, marks held-out ones unseen, and generates on click', async () => {
    vi.mocked(api.paint).mockResolvedValue(result())
    const w = mount(PaintView)
    await flushPromises()
    const unseen = w.get('.chip--unseen')
    expect(unseen.text()).toContain('purple octopus')
    expect(unseen.text()).toContain('unseen')
    await unseen.trigger('click')
    expect(api.paint).toHaveBeenCalledWith(expect.objectContaining({ prompt: 'purple octopus' }), expect.anything())
  })

  it('remembers recent prompts', async () => {
    vi.mocked(api.paint).mockResolvedValue(result())
    await mountAndGenerate('green frog')
    const again = mount(PaintView)
    expect(again.get('[aria-label="Recent prompts"]').text()).toContain('green frog')
  })

  it('says why nothing happened on Enter with an empty prompt', async () => {
    const w = mount(PaintView)
    await w.get('#prompt').setValue('   ')
    expect(w.get('button[type="submit"]').attributes('disabled')).toBeUndefined()
    await w.get('form').trigger('submit')
    expect(w.get('.field-error').text()).toMatch(/Type a prompt first/)
    expect(api.paint).not.toHaveBeenCalled()
  })

  it('takes "Type a prompt first" away when text is pasted, a long text included', async () => {
    const w = mount(PaintView)
    await w.get('form').trigger('submit')
    expect(w.get('.field-error').text()).toMatch(/Type a prompt first/)
    await w.get('#prompt').setValue('x'.repeat(230)) // a paste: one input event
    expect(w.get('.field-error').text()).toContain('230 characters long')
    await w.get('#prompt').setValue('red apple')
    expect(w.find('.field-error').exists()).toBe(false)
  })

  it('opens on a share link: fills the form and paints the same pictures', async () => {
    vi.mocked(api.paint).mockResolvedValue(result(7))
    history.replaceState(null, '', '#/paint?prompt=red+apple&seed=7&n=3')
    const w = mount(PaintView)
    await flushPromises()
    expect(api.paint).toHaveBeenCalledWith({ prompt: 'red apple', n: 3, seed: 7, model: undefined }, expect.anything())
    expect(w.get('#prompt').element.value).toBe('red apple')
    expect(w.findAll('.tile__seed').map((s) => s.text())).toEqual(['seed 7', 'seed 8', 'seed 9', 'seed 10', 'seed 11'])
    expect(location.hash).toMatch(/^#\/paint\?prompt=red\+apple&seed=7&n=5&model=tac$/) // the answer's own count and model
    history.replaceState(null, '', '#/')
  })

  it('puts each new result into the address', async () => {
    history.replaceState(null, '', '#/paint')
    vi.mocked(api.paint).mockResolvedValue(result(42))
    await mountAndGenerate()
    await flushPromises()
    expect(location.hash).toBe('#/paint?prompt=red+apple&seed=42&n=5&model=tac')
    history.replaceState(null, '', '#/')
  })

  it('refuses a prompt over the limit visibly instead of cutting it', async () => {
    const w = mount(PaintView)
    await w.get('#prompt').setValue('x'.repeat(230))
    expect(w.get('#prompt').element.value).toHaveLength(230)
    expect(w.get('#prompt').attributes('aria-invalid')).toBe('true')
    expect(w.get('.field-error').text()).toContain('230 characters long; the limit is 200')
    await w.get('form').trigger('submit')
    expect(api.paint).not.toHaveBeenCalled()
  })

  it('scrolls the results into view on submit when they start below the fold', async () => {
    vi.mocked(api.paint).mockResolvedValue(result())
    const scroll = vi.spyOn(window, 'scrollBy').mockImplementation(() => {})
    const w = mount(PaintView, { attachTo: document.body })
    const results = w.get('section.results').element
    results.getBoundingClientRect = () => ({ top: 1270, bottom: 1600 })
    await w.get('#prompt').setValue('red apple')
    await w.get('form').trigger('submit')
    await flushPromises()
    // The least move that shows all of it: its bottom to the window's bottom (happy-dom: 768 px tall).
    expect(scroll).toHaveBeenCalledWith(expect.objectContaining({ top: 1600 - window.innerHeight + 8 }))
    w.unmount()
  })

  it('offers "Try again" on an error, which repeats the request', async () => {
    vi.mocked(api.paint).mockRejectedValueOnce(new api.ApiError('Internal error while generating.', { status: 500 })).mockResolvedValue(result())
    const w = await mountAndGenerate()
    await flushPromises()
    await w.get('.notice__retry').trigger('click')
    await flushPromises()
    expect(api.paint).toHaveBeenCalledTimes(2)
    expect(w.findAll('.image-grid img')).toHaveLength(5)
  })
})
