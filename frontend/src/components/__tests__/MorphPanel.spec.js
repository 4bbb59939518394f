import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import MorphPanel from '../MorphPanel.vue'
import PaintView from '@/views/PaintView.vue'

vi.mock('@/api', async (importOriginal) => ({
  ...(await importOriginal()),
  interpolate: vi.fn(),
  paint: vi.fn(),
  getPrompts: vi.fn(async () => ({ train: [], test: [] })),
  getHealth: vi.fn(async () => ({ status: 'ok', models: [] })),
}))

const answer = { frames: ['data:f1', 'data:f2', 'data:f3'], animation: 'data:image/gif;base64,R0', mime: 'image/gif',
  prompt: 'red apple', toPrompt: 'blue car', seed: 12, toSeed: 12 }

beforeEach(() => vi.clearAllMocks())

describe('MorphPanel', () => {
  it('morphs from the chosen image to another prompt and shows the strip and the loop to download', async () => {
    vi.mocked(api.interpolate).mockResolvedValue(answer)
    const w = mount(MorphPanel, { props: { prompt: 'red apple', seed: 10, count: 5, model: 'tac' } })
    await w.get('select').setValue('2')
    await w.get('#morph-to').setValue('  blue   car ')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(api.interpolate).toHaveBeenCalledWith({ prompt: 'red apple', toPrompt: 'blue car', seed: 12, toSeed: undefined,
      frames: 8, format: 'gif', model: 'tac' }, expect.anything())
    expect(w.findAll('.morph__strip img')).toHaveLength(3)
    expect(w.get('.morph__animation img').attributes('src')).toBe('data:image/gif;base64,R0')
    expect(w.text()).toContain('Download GIF')
  })

  it('morphs between two seeds of the same prompt', async () => {
    vi.mocked(api.interpolate).mockResolvedValue(answer)
    const w = mount(MorphPanel, { props: { prompt: 'red apple', seed: 10 } })
    await w.get('input[aria-label="To seed"]').setValue('99')
    await w.get('form').trigger('submit')
    expect(vi.mocked(api.interpolate).mock.calls[0][0]).toMatchObject({ toPrompt: undefined, seed: 10, toSeed: 99 })
  })

  it('says what is missing instead of sending nothing to morph to', async () => {
    const w = mount(MorphPanel, { props: { prompt: 'red apple', seed: 10 } })
    await w.get('form').trigger('submit')
    expect(w.get('.field-error').text()).toBe('Type a prompt to morph to, or a seed, or both.')
    await w.get('#morph-to').setValue('red apple')
    await w.get('form').trigger('submit')
    expect(w.get('.field-error').text()).toContain('same image')
    expect(api.interpolate).not.toHaveBeenCalled()
  })

  it('opens from a Paint result', async () => {
    vi.mocked(api.paint).mockResolvedValue({ images: ['data:a', 'data:b'], seed: 7, prompt: 'red apple', model: 'tac' })
    const w = mount(PaintView)
    await w.get('#prompt').setValue('red apple')
    await w.get('form').trigger('submit')
    await flushPromises()
    await w.findAll('button').find((b) => b.text().includes('Morph to')).trigger('click')
    expect(w.getComponent(MorphPanel).props()).toMatchObject({ prompt: 'red apple', seed: 7, count: 2, model: 'tac' })
  })
})
