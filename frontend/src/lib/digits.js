// Same rules, same order, as the backend's POST /mnist.
export const MAX_DIGITS = 10

/** Returns the inline error for a digit string, or '' when it may be sent. */
export function digitsError(value) {
  if (value.length > MAX_DIGITS) return 'Max 10 digits.'
  if (value && !/^[0-9]+$/.test(value)) return 'Only digits 0-9.'
  return ''
}
