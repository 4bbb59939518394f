import { afterEach, describe, expect, it, vi } from 'vitest'
import * as api from '@/api'

const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })

afterEach(() => vi.unstubAllGlobals())

describe('resolveApiBase', () => {
  const loc = { protocol: 'https:', hostname: 'studio.example' }
  it('prefers VITE_API_URL and drops a trailing slash', () => {
    expect(api.resolveApiBase('http://gpu:5000/', false, loc)).toBe('http://gpu:5000')
  })
  it('is empty in dev, where the Vite proxy forwards to the backend', () => {
    expect(api.resolveApiBase('', true, loc)).toBe('')
  })
  it('defaults to the page host on port 5000 in a production build', () => {
    expect(api.resolveApiBase('', false, loc)).toBe('https://studio.example:5000')
  })
})

describe('request errors', () => {
  it('says the backend cannot be reached when fetch fails', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    const err = await api.getPrompts().catch((e) => e)
    expect(err).toBeInstanceOf(api.ApiError)
    expect(err.network).toBe(true)
    expect(err.message).toMatch(/^Cannot reach the backend at /)
  })

  it("shows a 400's JSON error text", async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(json(400, { error: "Missing 'input' prompt." })))
    await expect(api.paint({ prompt: ' ' })).rejects.toMatchObject({ status: 400, message: "Missing 'input' prompt." })
  })

  it('reads "message" from /mnist errors', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(json(400, { message: 'Request too long. Max 10 digits.' })))
    await expect(api.digits('12345678901')).rejects.toThrow('Request too long. Max 10 digits.')
  })

  it('turns a 503 into "model not loaded"', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(json(503, { error: 'pix2pix missing' })))
    await expect(api.sketch(new Blob())).rejects.toMatchObject({ unavailable: true, message: api.NOT_LOADED, detail: 'pix2pix missing' })
  })

  it('lets an abort through untouched', async () => {
    const abort = new DOMException('aborted', 'AbortError')
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(abort))
    await expect(api.getModels()).rejects.toBe(abort)
  })
})

describe('endpoints', () => {
  it('paints with GET /?input=&n=&seed=&model= and returns data URLs', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(200, { images: ['AAA', 'BBB'], seed: 7, prompt: 'red apple', model: 'tac' }))
    vi.stubGlobal('fetch', fetchMock)
    const out = await api.paint({ prompt: 'red apple', n: 2, seed: 7, model: 'tac' })
    const url = new URL(fetchMock.mock.calls[0][0], 'http://host')
    expect(url.pathname).toBe('/')
    expect(Object.fromEntries(url.searchParams)).toEqual({ input: 'red apple', n: '2', seed: '7', model: 'tac' })
    expect(out).toEqual({ images: ['data:image/png;base64,AAA', 'data:image/png;base64,BBB'], seed: 7, prompt: 'red apple', model: 'tac' })
  })

  it('leaves out an empty seed so the backend picks one', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(200, { images: [], seed: 3, prompt: 'x' }))
    vi.stubGlobal('fetch', fetchMock)
    await api.paint({ prompt: 'x', n: 5, seed: null })
    expect(fetchMock.mock.calls[0][0]).not.toContain('seed')
  })

  it('posts digits as multipart field "value" and returns a JPEG', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(200, { message: 'Image generated successfully', img: 'JPG' }))
    vi.stubGlobal('fetch', fetchMock)
    const out = await api.digits('42')
    const [path, init] = fetchMock.mock.calls[0]
    expect(path).toBe('/mnist')
    expect(init.method).toBe('POST')
    expect(init.body.get('value')).toBe('42')
    expect(out.image).toBe('data:image/jpeg;base64,JPG')
  })

  it('posts mixer weights as JSON', async () => {
    const fetchMock = vi.fn().mockResolvedValue(json(200, { image: 'PNG', seed: 5 }))
    vi.stubGlobal('fetch', fetchMock)
    await api.mix({ weights: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0.5], seed: 5 })
    const [path, init] = fetchMock.mock.calls[0]
    expect(path).toBe('/api/mix')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(JSON.parse(init.body)).toEqual({ weights: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0.5], seed: 5 })
  })

  it('prefixes samples_url with the API base', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(json(200, { models: [{ name: 'a', samples_url: '/api/models/a/samples.png' }, { name: 'b', samples_url: null }] })))
    const models = await api.getModels()
    expect(models.map((m) => m.samplesSrc)).toEqual([`${api.API_BASE}/api/models/a/samples.png`, null])
  })
})
