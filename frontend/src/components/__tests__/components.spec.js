import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
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
