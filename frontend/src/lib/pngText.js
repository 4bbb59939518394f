// Text inside a PNG: the parameters that made an image travel with the file, as AUTOMATIC1111 writes them
// (a `parameters` chunk), readable by exiftool, Pillow (`Image.open(f).text`) and A1111's "PNG Info".
// tEXt holds Latin-1; text with other characters goes into an uncompressed iTXt chunk (UTF-8).

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10]

let table = null
function crcTable() {
  if (table) return table
  table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
}

/** CRC-32 as PNG (and zip) compute it. */
export function crc32(bytes) {
  const t = crcTable()
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const ascii = (text) => Uint8Array.from(text, (ch) => ch.charCodeAt(0))
const isLatin1 = (text) => /^[\u0000-\u00ff]*$/.test(text)

export function isPng(bytes) {
  return bytes?.length > 8 && SIGNATURE.every((b, i) => bytes[i] === b)
}

function chunk(type, data) {
  const out = new Uint8Array(12 + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, data.length)
  out.set(ascii(type), 4)
  out.set(data, 8)
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)))
  return out
}

/** One text chunk: tEXt when the text is Latin-1, else iTXt (UTF-8, uncompressed). */
export function textChunk(keyword, text) {
  const key = ascii(keyword.slice(0, 79))
  if (isLatin1(text)) {
    return chunk('tEXt', Uint8Array.from([...key, 0, ...ascii(text)]))
  }
  const utf8 = new TextEncoder().encode(text)
  return chunk('iTXt', Uint8Array.from([...key, 0, 0, 0, 0, 0, ...utf8])) // no compression, no language
}

/** The PNG with text chunks added right after IHDR (where readers that stop early still find them). */
export function addPngText(bytes, entries) {
  if (!isPng(bytes)) return bytes
  const ihdrEnd = 8 + 12 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(8)
  const chunks = Object.entries(entries)
    .filter(([, text]) => text !== undefined && text !== null && text !== '')
    .map(([keyword, text]) => textChunk(keyword, String(text)))
  const size = bytes.length + chunks.reduce((n, c) => n + c.length, 0)
  const out = new Uint8Array(size)
  out.set(bytes.subarray(0, ihdrEnd), 0)
  let at = ihdrEnd
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  out.set(bytes.subarray(ihdrEnd), at)
  return out
}

/** { keyword: text } of a PNG's tEXt and uncompressed iTXt chunks (for tests and for reading a file back). */
export function readPngText(bytes) {
  const found = {}
  if (!isPng(bytes)) return found
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const latin1 = new TextDecoder('latin1')
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at)
    const type = latin1.decode(bytes.subarray(at + 4, at + 8))
    const data = bytes.subarray(at + 8, at + 8 + length)
    const zero = data.indexOf(0)
    if (type === 'tEXt' && zero > 0) found[latin1.decode(data.subarray(0, zero))] = latin1.decode(data.subarray(zero + 1))
    if (type === 'iTXt' && zero > 0 && data[zero + 1] === 0) {
      let rest = zero + 3
      rest = data.indexOf(0, rest) + 1 // language tag
      rest = data.indexOf(0, rest) + 1 // translated keyword
      found[latin1.decode(data.subarray(0, zero))] = new TextDecoder().decode(data.subarray(rest))
    }
    if (type === 'IEND') break
    at += 12 + length
  }
  return found
}

/**
 * The `parameters` text A1111 writes, for one image: the prompt on the first line, then "Key: value" pairs.
 * `{ prompt, seed, model, size, upscaled }` -> "red apple\nSeed: 7, Size: 64x64, Model: text-to-image, ..."
 */
export function parametersText({ prompt, seed, model, size, upscaled, extra = {} } = {}) {
  const pairs = { Seed: seed, Size: size, Model: model, ...(upscaled ? { Upscaler: upscaled } : {}), ...extra, Software: 'GAN Studio' }
  const line = Object.entries(pairs)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')
  return prompt ? `${prompt}\n${line}` : line
}
