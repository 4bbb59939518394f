/** Scrolls `el` to the top of the screen (below the sticky header) unless its top is already in view. */
export function scrollIntoViewIfNeeded(el, win = globalThis.window) {
  if (!el?.getBoundingClientRect || !win) return false
  const { top } = el.getBoundingClientRect()
  const header = 72 // .appbar height and a margin; the element's scroll-margin-top says the same
  if (top >= header && top < win.innerHeight * 0.6) return false
  const smooth = !win.matchMedia?.('(prefers-reduced-motion: reduce)').matches
  el.scrollIntoView?.({ behavior: smooth ? 'smooth' : 'auto', block: 'start' })
  return true
}
