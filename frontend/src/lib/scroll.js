// Bringing a result on screen: below the sticky header (.appbar, 60 px, and a margin), moving the page as
// little as possible, so on a phone the controls above a result stay in sight where they can.
export const HEADER_PX = 72

const smooth = (win) => !win.matchMedia?.('(prefers-reduced-motion: reduce)').matches

/** Scrolls `el` to the top of the screen (below the sticky header) unless its top is already in view. */
export function scrollIntoViewIfNeeded(el, win = globalThis.window) {
  if (!el?.getBoundingClientRect || !win) return false
  const { top } = el.getBoundingClientRect()
  if (top >= HEADER_PX && top < win.innerHeight * 0.6) return false
  el.scrollIntoView?.({ behavior: smooth(win) ? 'smooth' : 'auto', block: 'start' })
  return true
}

/**
 * How far to scroll (px, + is down) so that a box from `top` to `bottom` is wholly visible between the
 * header and the bottom of a window `height` tall: 0 when it already is; the least move otherwise; a box
 * taller than the room starts right below the header.
 */
export function revealDelta(top, bottom, height, header = HEADER_PX, margin = 8) {
  if (top >= header && bottom <= height) return 0
  if (top < header || bottom - top > height - header - margin) return top - header
  return Math.min(bottom - height + margin, top - header)
}

/** Scrolls the least that brings `el` wholly on screen (or its top below the header); true if it moved. */
export function revealIfNeeded(el, win = globalThis.window) {
  if (!el?.getBoundingClientRect || !win) return false
  const { top, bottom } = el.getBoundingClientRect()
  const delta = revealDelta(top, bottom, win.innerHeight)
  if (!delta) return false
  win.scrollBy?.({ top: delta, behavior: smooth(win) ? 'smooth' : 'auto' })
  return true
}
