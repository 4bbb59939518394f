import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ImageGrid from '../ImageGrid.vue'
import ErrorNotice from '../ErrorNotice.vue'
import MetricsTable from '../MetricsTable.vue'
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

  it('renders a 503 as "not loaded", not as a failure', () => {
    const w = mount(ErrorNotice, { props: { error: new ApiError(NOT_LOADED, { unavailable: true }) } })
    expect(w.classes()).toContain('notice--muted')
    expect(w.text()).toContain('This model is not loaded on the server')
  })
})

describe('MetricsTable', () => {
  it('puts train and held-out numbers side by side', () => {
    const metrics = { rows: [{ label: 'generated', train: { FID: 124.49, IS: 2.75 }, test: { FID: 146.93, IS: 2.74 } }], notes: 'n=2000' }
    const w = mount(MetricsTable, { props: { metrics } })
    const fid = w.findAll('tbody tr').find((r) => r.text().startsWith('FID'))
    expect(fid.findAll('td').map((c) => c.text())).toEqual(['124.49', '146.93'])
    expect(w.text()).toContain('Held-out prompts')
    expect(w.text()).toContain('n=2000')
  })
})
