// The only module that knows the backend's URLs and response shapes.
// Every function takes its parameters first and `{ signal }` last, and returns plain objects
// whose images are ready-to-use data URLs.

export const NOT_LOADED = 'This model is not loaded on the server.'
export const BUSY = 'The server is busy.'
const BUSY_HINT = 'Too many pictures are being made at once; the page tries again by itself in a moment.'
const MAX_RETRY_AFTER_S = 30
// What a person reads; the developer's explanation goes behind "Details" (ApiError.detail).
const UNREACHABLE_HINT = 'The server may be stopped or restarting. This page checks again every few seconds.'
const UNREACHABLE_DETAIL = 'The request got no answer: the server is not running at this address, a proxy in front of it '
  + 'failed, or the server does not allow requests from this page (its CORS_ORIGINS setting).'

/** Base URL of the backend: VITE_API_URL at build time, '' in dev (Vite proxy), else <host>:5000. */
export function resolveApiBase(envUrl = import.meta.env.VITE_API_URL, dev = import.meta.env.DEV, loc = globalThis.location) {
  if (envUrl) return String(envUrl).replace(/\/+$/, '')
  if (dev) return ''
  return `${loc.protocol}//${loc.hostname}:5000`
}

export const API_BASE = resolveApiBase()

/** The backend's address as a person should read it in a message. */
export function describeBase(base = API_BASE) {
  return base || `${globalThis.location?.origin ?? ''} (dev proxy)`
}

export class ApiError extends Error {
  constructor(message, { status = 0, network = false, unavailable = false, busy = false, retryAfter = 0, hint = '', detail = '' } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.network = network // the backend could not be reached at all
    this.unavailable = unavailable // 503: the model behind this route is not loaded
    this.busy = busy // 503 with Retry-After: the queue is full, the same request may succeed later
    this.retryAfter = retryAfter // seconds the server asked to wait (busy only)
    this.hint = hint // a second line for the user
    this.detail = detail // technical text, shown behind "Details"
  }
}

// Whoever wants to know whether the backend answers (useConnection): called with `true` after any answer
// and `false` after a request that got none.
const connectionListeners = new Set()
export function watchConnection(listener) {
  connectionListeners.add(listener)
  return () => connectionListeners.delete(listener)
}
function tellConnection(ok) {
  for (const listener of connectionListeners) listener(ok)
}
const unreachable = (status = 0) =>
  new ApiError(`Cannot reach the backend at ${describeBase()}.`, { status, network: true, hint: UNREACHABLE_HINT, detail: UNREACHABLE_DETAIL })

export function toDataUrl(b64, mime = 'image/png') {
  if (typeof b64 !== 'string' || !b64) throw new ApiError('The backend sent no image.')
  return b64.startsWith('data:') ? b64 : `data:${mime};base64,${b64}`
}

async function readJson(res) {
  const text = await res.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

async function request(path, { method = 'GET', body, json, signal } = {}) {
  const init = { method, signal, body }
  if (json !== undefined) {
    init.body = JSON.stringify(json)
    init.headers = { 'Content-Type': 'application/json' }
  }
  let res
  try {
    res = await fetch(API_BASE + path, init)
  } catch (err) {
    if (err?.name === 'AbortError') throw err
    tellConnection(false)
    throw unreachable()
  }
  const payload = await readJson(res)
  // A proxy in front of a backend that is down answers 502/504, or (Vite dev) an empty 500.
  if (payload === null && (res.status === 502 || res.status === 504 || (API_BASE === '' && res.status === 500))) {
    tellConnection(false)
    throw unreachable(res.status)
  }
  tellConnection(true)
  if (res.ok) {
    if (payload === null) throw new ApiError('The backend sent an answer that is not JSON.', { status: res.status })
    return payload
  }
  const text = payload?.error || payload?.message || ''
  if (res.status === 503) {
    const retryAfter = retryAfterSeconds(res.headers?.get?.('Retry-After'))
    // Across origins Retry-After is hidden unless the server exposes it; the busy answer also says so in words.
    if (retryAfter !== null || /\bbusy\b/i.test(text)) {
      throw new ApiError(BUSY, { status: 503, busy: true, retryAfter: retryAfter ?? 1, hint: BUSY_HINT, detail: text })
    }
    throw new ApiError(NOT_LOADED, { status: 503, unavailable: true, detail: text })
  }
  throw new ApiError(text || `The backend answered HTTP ${res.status}.`, { status: res.status })
}

/** Retry-After as whole seconds (a number of seconds or an HTTP date), at most 30; null when absent or unreadable. */
export function retryAfterSeconds(value, now = Date.now()) {
  if (value === null || value === undefined || String(value).trim() === '') return null
  const text = String(value).trim()
  let seconds = /^\d+$/.test(text) ? Number(text) : (Date.parse(text) - now) / 1000
  if (!Number.isFinite(seconds)) return null
  seconds = Math.ceil(Math.max(0, seconds))
  return Math.min(seconds, MAX_RETRY_AFTER_S)
}

function query(params) {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value))
  }
  return q.toString()
}

function form(field, value, filename) {
  const data = new FormData()
  if (filename) data.append(field, value, filename)
  else data.append(field, value)
  return data
}

export async function getHealth({ signal } = {}) {
  return request('/api/health', { signal })
}

export async function getModels({ signal } = {}) {
  const { models = [] } = await request('/api/models', { signal })
  return models.map((m) => ({
    ...m,
    samplesSrc: m.samples_url ? (/^https?:/.test(m.samples_url) ? m.samples_url : API_BASE + m.samples_url) : null,
  }))
}

export async function getPrompts({ signal } = {}) {
  const { train = [], test = [] } = await request('/api/prompts', { signal })
  return { train, test }
}

/** Text to image: GET /?input=...&n=...&seed=...&model=... */
export async function paint({ prompt, n = 5, seed, model }, { signal } = {}) {
  const data = await request(`/?${query({ input: prompt, n, seed, model })}`, { signal })
  return {
    images: (data.images ?? []).map((b64) => toDataUrl(b64)),
    seed: data.seed,
    prompt: data.prompt ?? prompt,
    model: data.model ?? model ?? null,
  }
}

/** Digits on demand: the whole number as one JPEG. `input`: the digits, or `{ value, seed }` (the same seed
 * writes the same hand). */
export async function digits(input, { signal } = {}) {
  const { value, seed } = typeof input === 'object' && input !== null ? input : { value: input, seed: undefined }
  const body = form('value', value)
  if (seed !== undefined && seed !== null) body.append('seed', String(seed))
  const data = await request('/mnist', { method: 'POST', body, signal })
  return { image: toDataUrl(data.img, 'image/jpeg'), message: data.message ?? '', seed: seed ?? null }
}

export async function mix({ weights, seed }, { signal } = {}) {
  const data = await request('/api/mix', { method: 'POST', json: { weights, seed }, signal })
  return { image: toDataUrl(data.image), seed: data.seed }
}

export async function randomSample({ model, seed }, { signal } = {}) {
  const data = await request(`/api/random?${query({ model, seed })}`, { signal })
  return { image: toDataUrl(data.image), seed: data.seed, model }
}

export async function sketchExample({ signal } = {}) {
  const data = await request('/api/sketch/example', { signal })
  return { image: toDataUrl(data.image) }
}

export async function sketch(pngBlob, { signal } = {}) {
  const data = await request('/api/sketch', { method: 'POST', body: form('image', pngBlob, 'sketch.png'), signal })
  return { image: toDataUrl(data.image) }
}

export async function enhanceExample({ signal } = {}) {
  const data = await request('/api/enhance/example', { signal })
  return { image: toDataUrl(data.image) }
}

export async function enhance(file, { signal } = {}) {
  const name = file.name || 'image.png'
  const data = await request('/api/enhance', { method: 'POST', body: form('image', file, name), signal })
  return {
    lowRes: toDataUrl(data.low_res),
    bicubic: toDataUrl(data.bicubic),
    enhanced: toDataUrl(data.enhanced),
  }
}

/** Training runs under each model's saved/ folder, newest first. */
export async function getRuns({ signal } = {}) {
  const { runs = [], models = [] } = await request('/api/runs', { signal })
  return { runs, models }
}

const runPath = (id) => id.split('/').map(encodeURIComponent).join('/')

/** One run; with `since`, only the log rows from that index on (the page appends them). */
export async function getRun(id, { since = 0 } = {}, { signal } = {}) {
  return request(`/api/runs/${runPath(id)}${since ? `?since=${since}` : ''}`, { signal })
}

/** The URL of a run's sample grid after `epoch` (an <img> loads it). */
export function runSampleUrl(id, epoch) {
  return `${API_BASE}/api/runs/${runPath(id)}/samples/${epoch}.png`
}

/** A morph between two prompts and/or two seeds: frames and a looping animation, as data URLs. */
export async function interpolate({ prompt, toPrompt, seed, toSeed, frames = 8, format = 'gif', model }, { signal } = {}) {
  const json = { prompt, to_prompt: toPrompt, seed, to_seed: toSeed, frames, format, model }
  const data = await request('/api/interpolate', { method: 'POST', json, signal })
  return {
    frames: (data.frames ?? []).map((b64) => toDataUrl(b64)),
    animation: toDataUrl(data.animation, data.mime),
    mime: data.mime,
    prompt: data.prompt,
    toPrompt: data.to_prompt,
    seed: data.seed,
    toSeed: data.to_seed,
  }
}

/** The backend's address for a person or a script outside this page (the dev proxy's page origin in dev). */
export function publicBase(base = API_BASE) {
  return base || globalThis.location?.origin || ''
}

/** The API's own documentation page. */
export function docsUrl(base = API_BASE) {
  return `${publicBase(base)}/api/docs`
}

/**
 * The exact request behind a result, for "Use via API": `{ method, url, form?, json?, files?, result }`
 * (`files`: field -> the name of a local file to upload), where
 * `result` says where the image is in the answer (`key`, whether it is a `list`, the file `ext`).
 */
export function describeCall(name, params = {}, base = API_BASE) {
  const root = publicBase(base)
  switch (name) {
    case 'paint':
      return { method: 'GET', url: `${root}/?${query({ input: params.prompt, n: params.n, seed: params.seed, model: params.model })}`,
        result: { key: 'images', list: true, ext: 'png' } }
    case 'digits':
      return { method: 'POST', url: `${root}/mnist`, form: { value: params.value, ...(params.seed === undefined || params.seed === null ? {} : { seed: params.seed }) },
        result: { key: 'img', list: false, ext: 'jpg' } }
    case 'mix':
      return { method: 'POST', url: `${root}/api/mix`, json: { weights: params.weights, seed: params.seed }, result: { key: 'image', list: false, ext: 'png' } }
    case 'sketch':
      return { method: 'POST', url: `${root}/api/sketch`, files: { image: params.file ?? 'sketch.png' }, result: { key: 'image', list: false, ext: 'png' } }
    case 'enhance':
      return { method: 'POST', url: `${root}/api/enhance`, files: { image: params.file ?? 'picture.png' }, result: { key: 'enhanced', list: false, ext: 'png' } }
    case 'random':
      return { method: 'GET', url: `${root}/api/random?${query({ model: params.model, seed: params.seed })}`, result: { key: 'image', list: false, ext: 'png' } }
    default:
      throw new Error(`No API description for ${name}.`)
  }
}
