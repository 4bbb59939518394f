import { zipSync } from 'fflate'
import { addPngText, isPng } from './pngText'

/** Saves a data URL, blob URL (or any same-origin URL) as a file. */
export function download(url, filename) {
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
}

/** Saves bytes or a Blob as a file (through a short-lived blob URL). */
export function downloadBlob(data, filename, type = 'application/octet-stream') {
  const blob = data instanceof Blob ? data : new Blob([data], { type })
  const url = URL.createObjectURL(blob)
  download(url, filename)
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** The bytes of a base64 data URL, decoded here (no fetch). */
export function dataUrlBytes(url) {
  const comma = url.indexOf(',')
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).endsWith(';base64')) throw new Error('Not a base64 data URL.')
  const binary = atob(url.slice(comma + 1))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** A PNG data URL's bytes with its `parameters` text inside (other images as they are). */
export function imageBytes(url, parameters) {
  const bytes = dataUrlBytes(url)
  return parameters && isPng(bytes) ? addPngText(bytes, { parameters }) : bytes
}

/** Saves one image, with its parameters inside when it is a PNG. */
export function downloadImage(url, filename, parameters = '') {
  if (!url.startsWith('data:')) return download(url, filename)
  downloadBlob(imageBytes(url, parameters), filename, url.slice(5, url.indexOf(';')) || 'image/png')
}

/** A zip of files `[{ name, bytes }]` (stored, not compressed: PNGs are compressed already). */
export function zipFiles(files) {
  return zipSync(Object.fromEntries(files.map((f) => [f.name, [f.bytes, { level: 0 }]])))
}

/** Saves several images one after another (browsers drop bursts of simultaneous downloads). */
export async function downloadAll(urls, basename, gapMs = 250) {
  for (const [i, url] of urls.entries()) {
    download(url, `${basename}-${String(i + 1).padStart(2, '0')}.png`)
    if (i < urls.length - 1) await new Promise((r) => setTimeout(r, gapMs))
  }
}

/** A file name from free text: "Red apple!" -> "red-apple". */
export function slug(text, fallback = 'image') {
  const s = String(text).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40)
  return s || fallback
}

export async function dataUrlToBlob(url) {
  return (await fetch(url)).blob()
}
