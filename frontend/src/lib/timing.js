/** Milliseconds as a person reads a wait: "0.42 s", "3.1 s", "12 s"; '' for none. */
export function seconds(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return ''
  const s = ms / 1000
  if (s < 1) return `${s.toFixed(2)} s`
  if (s < 10) return `${s.toFixed(1)} s`
  return `${Math.round(s)} s`
}
