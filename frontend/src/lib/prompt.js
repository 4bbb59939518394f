// The backend's rules for a text prompt (backend/validation.py), checked before anything is sent,
// so a long prompt is refused where the user typed it instead of being cut silently.
export const MAX_PROMPT_CHARS = 200

/** Trims and folds runs of whitespace, as the backend does before counting. */
export function tidyPrompt(text) {
  return String(text ?? '').split(/\s+/).filter(Boolean).join(' ')
}

/** The message for a prompt that may not be sent, or ''. */
export function promptError(text, max = MAX_PROMPT_CHARS) {
  const t = tidyPrompt(text)
  if (!t) return 'Type a prompt first, e.g. “a red apple”, then press Enter.'
  if (t.length > max) return `The prompt is ${t.length} characters long; the limit is ${max}. Shorten it by ${t.length - max}.`
  return ''
}
