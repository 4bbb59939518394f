/** Saves a data URL (or any same-origin URL) as a file. */
export function download(url, filename) {
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
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
