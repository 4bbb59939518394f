// Share links: the address holds what made a result, e.g. `#/paint?prompt=red+apple&seed=7&n=5`, so the
// link repaints the same pictures in a fresh page. The tab id stays the first part of the hash
// (useHashRoute reads only that); the parameters follow `?`.

/** { tab, params } from a location hash; params as a plain object of strings. */
export function parseHash(hash = globalThis.location?.hash ?? '') {
  const body = String(hash).replace(/^#\/?/, '')
  const q = body.indexOf('?')
  const tab = (q < 0 ? body : body.slice(0, q)).split('/')[0]
  const params = Object.fromEntries(new URLSearchParams(q < 0 ? '' : body.slice(q + 1)))
  return { tab, params }
}

/** '#/paint?prompt=red+apple&seed=7&n=5' (empty values left out). */
export function shareHash(tab, params = {}) {
  const q = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') q.set(key, String(value))
  }
  const text = q.toString()
  return `#/${tab}${text ? `?${text}` : ''}`
}

/** The whole address of a share link, on the page's own origin and path. */
export function shareUrl(tab, params = {}, loc = globalThis.location) {
  return `${loc.origin}${loc.pathname}${loc.search}${shareHash(tab, params)}`
}

/**
 * Puts a result's parameters into the address bar without a new history entry or a hashchange event,
 * while that tab is the one shown; returns whether the address changed.
 */
export function writeShareHash(tab, params, win = globalThis.window) {
  if (!win?.history?.replaceState) return false
  if (parseHash(win.location.hash).tab !== tab) return false
  const next = shareHash(tab, params)
  if (win.location.hash === next) return false
  win.history.replaceState(win.history.state, '', next)
  return true
}
