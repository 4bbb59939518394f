import { describe, expect, it } from 'vitest'
import { strFromU8, unzipSync } from 'fflate'
import { ApiError, BUSY, describeCall, retryAfterSeconds } from '@/api'
import { curlSnippet, pythonSnippet, shellQuote } from '@/lib/apiSnippets'
import { dataUrlBytes, imageBytes, zipFiles } from '@/lib/download'
import { addPngText, crc32, parametersText, readPngText } from '@/lib/pngText'
import { revealDelta } from '@/lib/scroll'
import { parseHash, shareHash } from '@/lib/shareLink'
import { seconds } from '@/lib/timing'

// A 1x1 PNG as the backend sends it.
const PNG_1PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

describe('PNG parameters', () => {
  it('computes the CRC-32 PNG uses', () => {
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082)
  })

  it('writes the prompt, seed and model into a text chunk that reads back', () => {
    const text = parametersText({ prompt: 'red apple', seed: 7, model: 'text-to-image', size: '64x64' })
    expect(text).toBe('red apple\nSeed: 7, Size: 64x64, Model: text-to-image, Software: GAN Studio')
    const bytes = addPngText(dataUrlBytes(PNG_1PX), { parameters: text })
    expect(readPngText(bytes)).toEqual({ parameters: text })
    // Still a PNG: signature, then IHDR first, and the original chunks after the new one.
    expect(Array.from(bytes.slice(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10])
    expect(new TextDecoder().decode(bytes.slice(12, 16))).toBe('IHDR')
    expect(bytes.length).toBe(dataUrlBytes(PNG_1PX).length + 12 + 'parameters'.length + 1 + text.length)
  })

  it('keeps characters outside Latin-1 (an iTXt chunk, UTF-8)', () => {
    const bytes = addPngText(dataUrlBytes(PNG_1PX), { parameters: 'ein Äpfel 🍎' })
    expect(readPngText(bytes).parameters).toBe('ein Äpfel 🍎')
  })

  it('leaves other formats (the digits JPEG) as they are', () => {
    const jpeg = 'data:image/jpeg;base64,/9j/4AAQ'
    expect(imageBytes(jpeg, 'x')).toEqual(dataUrlBytes(jpeg))
  })
})

describe('Download all as zip', () => {
  it('zips named files that unzip to the same bytes', () => {
    const a = imageBytes(PNG_1PX, 'red apple\nSeed: 7')
    const zip = zipFiles([{ name: 'red-apple-seed7.png', bytes: a }, { name: 'red-apple-seed7-4x.png', bytes: a }])
    const files = unzipSync(zip)
    expect(Object.keys(files)).toEqual(['red-apple-seed7.png', 'red-apple-seed7-4x.png'])
    expect(readPngText(files['red-apple-seed7.png']).parameters).toBe('red apple\nSeed: 7')
    expect(strFromU8(files['red-apple-seed7.png'].slice(1, 4))).toBe('PNG')
  })
})

describe('share links', () => {
  it('puts a result in the address and reads it back', () => {
    const hash = shareHash('paint', { prompt: 'red apple', seed: 7, n: 5, model: undefined })
    expect(hash).toBe('#/paint?prompt=red+apple&seed=7&n=5')
    expect(parseHash(hash)).toEqual({ tab: 'paint', params: { prompt: 'red apple', seed: '7', n: '5' } })
    expect(parseHash('#/digits')).toEqual({ tab: 'digits', params: {} })
    expect(parseHash('')).toEqual({ tab: '', params: {} })
  })
})

describe('Use via API', () => {
  const call = describeCall('paint', { prompt: "Bob's apple", n: 5, seed: 7 }, 'http://studio:5000')

  it('describes the exact request', () => {
    expect(call).toEqual({ method: 'GET', url: 'http://studio:5000/?input=Bob%27s+apple&n=5&seed=7', result: { key: 'images', list: true, ext: 'png' } })
    expect(describeCall('digits', { value: '2024', seed: 3 }, 'http://s').form).toEqual({ value: '2024', seed: 3 })
    expect(describeCall('mix', { weights: [1, 0], seed: 3 }, 'http://s').json).toEqual({ weights: [1, 0], seed: 3 })
  })

  it('writes it as curl, quoted for the shell', () => {
    expect(shellQuote("Bob's")).toBe(`'Bob'\\''s'`)
    expect(curlSnippet(call)).toBe("curl -sS 'http://studio:5000/?input=Bob%27s+apple&n=5&seed=7' \\\n  | jq -r '.images[0]' | base64 -d > image.png")
    const mix = curlSnippet(describeCall('mix', { weights: [1, 0], seed: 3 }, 'http://s'))
    expect(mix).toContain(`-X POST -H 'Content-Type: application/json' -d '{"weights":[1,0],"seed":3}' http://s/api/mix`)
  })

  it('writes it as Python with requests, numbers as numbers', () => {
    const code = pythonSnippet(call)
    expect(code).toContain(`requests.get("http://studio:5000/", params={"input": "Bob's apple", "n": 5, "seed": 7}, timeout=60)`)
    expect(code).toContain('for i, b64 in enumerate(answer.json()["images"]):')
    expect(pythonSnippet(describeCall('digits', { value: '0042' }, 'http://s'))).toContain('data={"value": "0042"}')
  })
})

describe('busy answers', () => {
  it('reads Retry-After as seconds or a date, capped', () => {
    expect(retryAfterSeconds('2')).toBe(2)
    expect(retryAfterSeconds(null)).toBe(null)
    expect(retryAfterSeconds('soon')).toBe(null)
    expect(retryAfterSeconds('999')).toBe(30)
    expect(retryAfterSeconds(new Date(10_000).toUTCString(), 7_000)).toBe(3)
  })

  it('is its own kind of error', () => {
    const e = new ApiError(BUSY, { status: 503, busy: true, retryAfter: 2 })
    expect([e.busy, e.unavailable, e.retryAfter]).toEqual([true, false, 2])
  })
})

describe('revealDelta', () => {
  it('moves as little as possible to show a result below the sticky header', () => {
    expect(revealDelta(100, 500, 844)).toBe(0) // already in view
    expect(revealDelta(700, 1048, 844)).toBe(212) // bottom brought up, top stays below the header
    expect(revealDelta(300, 1300, 844)).toBe(228) // taller than the room: its top goes under the header
    expect(revealDelta(-200, 100, 844)).toBe(-272) // above: scroll back up
  })
})

describe('seconds', () => {
  it('reads like a stopwatch', () => {
    expect([seconds(420), seconds(3140), seconds(12_400), seconds(null)]).toEqual(['0.42 s', '3.1 s', '12 s', ''])
  })
})

describe('Runs: state and epoch', () => {
  it('reads the server\'s heartbeat state first, the older flags otherwise', async () => {
    const { runState } = await import('@/lib/runSeries')
    expect(runState({ state: 'stopped', running: true }).label).toBe('stopped') // heartbeat stale: killed
    expect(runState({ state: 'training' }).label).toBe('training')
    expect(runState({ running: true }).label).toBe('training')
    expect(runState({ finished: true }).label).toBe('finished')
  })

  it('shows the newer of the list entry and the detail, so both name the same epoch', async () => {
    const { newerRun } = await import('@/lib/runSeries')
    const listed = { id: 'a/b', epoch: 3, state: 'training', epochs: 20 }
    const detail = { id: 'a/b', epoch: 5, state: 'training', rows: [1], samples: [1], options: {} }
    expect(newerRun(listed, detail)).toEqual({ id: 'a/b', epoch: 5, state: 'training', epochs: 20 })
    expect(newerRun({ ...listed, epoch: 6 }, detail).epoch).toBe(6)
    expect(newerRun(listed, { ...detail, id: 'other' })).toBe(listed)
    expect(newerRun({ ...listed, epoch: 5 }, { ...detail, state: 'stopped' }).state).toBe('stopped')
  })
})

describe('Use via API for uploads', () => {
  it('sends a local file as multipart, in curl and in Python', () => {
    const call = describeCall('enhance', { file: 'emoji.png' }, 'http://s')
    expect(curlSnippet(call)).toContain('-X POST -F image=@emoji.png http://s/api/enhance')
    expect(curlSnippet(call)).toContain(".enhanced' | base64 -d > image.png")
    expect(pythonSnippet(call)).toContain('requests.post("http://s/api/enhance", files={"image": open("emoji.png", "rb")}, timeout=60)')
  })
})
