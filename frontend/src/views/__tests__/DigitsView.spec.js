import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import * as api from '@/api'
import DigitsView from '../DigitsView.vue'

vi.mock('@/api', async (importOriginal) => ({ ...(await importOriginal()), digits: vi.fn() }))

beforeEach(() => {
  vi.mocked(api.digits).mockReset()
})

describe('DigitsView', () => {
  it.each([
    ['12a', 'Only digits 0-9.'],
    ['12345678901', 'Max 10 digits.'],
  ])('rejects %j inline before sending', async (value, message) => {
    const w = mount(DigitsView)
    await w.get('#digits').setValue(value)
    expect(w.get('.field-error').text()).toBe(message)
    expect(w.get('#digits').attributes('aria-invalid')).toBe('true')
    expect(w.get('button[type="submit"]').attributes('disabled')).toBeDefined()
    await w.get('form').trigger('submit')
    expect(api.digits).not.toHaveBeenCalled()
  })

  it('sends a valid number and shows the one image', async () => {
    vi.mocked(api.digits).mockResolvedValue({ image: 'data:image/jpeg;base64,X' })
    const w = mount(DigitsView)
    await w.get('#digits').setValue('2024')
    expect(w.find('.field-error').exists()).toBe(false)
    await w.get('form').trigger('submit')
    expect(api.digits).toHaveBeenCalledWith({ value: '2024', seed: expect.any(Number) }, expect.anything())
    await flushPromises()
    expect(w.get('.frame img').attributes('src')).toBe('data:image/jpeg;base64,X')
  })

  it("shows the backend's own 400 message", async () => {
    vi.mocked(api.digits).mockRejectedValue(new api.ApiError('Request invalid. Should only contain digits (0-9).', { status: 400 }))
    const w = mount(DigitsView)
    await w.get('#digits').setValue('7')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toContain('Request invalid.')
  })

  it('trims spaces before checking and sending', async () => {
    vi.mocked(api.digits).mockResolvedValue({ image: 'data:image/jpeg;base64,X' })
    const w = mount(DigitsView)
    await w.get('#digits').setValue(' 20 24 ')
    expect(w.find('.field-error').exists()).toBe(false)
    expect(w.get('#digits-help').text()).toBe('4 / 10 digits')
    await w.get('form').trigger('submit')
    expect(api.digits).toHaveBeenCalledWith({ value: '2024', seed: expect.any(Number) }, expect.anything())
  })
})
