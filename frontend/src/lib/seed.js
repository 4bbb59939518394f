export const MAX_SEED = 2 ** 31 - 1

export function randomSeed() {
  return Math.floor(Math.random() * MAX_SEED)
}

/** Parses a seed field: '' means random (null); anything else must be a whole number 0..MAX_SEED. */
export function parseSeed(text) {
  const s = String(text ?? '').trim()
  if (!s) return { seed: null, error: '' }
  if (!/^\d+$/.test(s) || Number(s) > MAX_SEED) {
    return { seed: null, error: `Seed must be a whole number from 0 to ${MAX_SEED}.` }
  }
  return { seed: Number(s), error: '' }
}
