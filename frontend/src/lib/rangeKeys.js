/**
 * Keyboard steps for a range input whose fine `step` suits a pointer but not a key press:
 * arrows move by `small`, Page Up/Down by `big`, Home/End to the ends. Returns the new value,
 * or null for keys it leaves to the browser.
 */
export function keyStep(key, value, { min = 0, max = 1, small = 0.1, big = 0.25 } = {}) {
  const moves = { ArrowUp: small, ArrowRight: small, ArrowDown: -small, ArrowLeft: -small, PageUp: big, PageDown: -big }
  let next
  if (key === 'Home') next = min
  else if (key === 'End') next = max
  else if (key in moves) next = Number(value) + moves[key]
  else return null
  const clamped = Math.min(max, Math.max(min, next))
  return Math.round(clamped * 1e6) / 1e6 // 0.1 + 0.2 reads as 0.3, not 0.30000000000000004
}
