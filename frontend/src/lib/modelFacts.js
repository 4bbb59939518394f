import { formatNumber } from './metrics'

// The training facts of a model card in plain words; nested objects (the raw config) go to "details".
const LABELS = {
  config: 'Recipe', preset: 'Recipe', arch: 'Architecture', dataset: 'Dataset', epochs: 'Epochs', steps: 'Steps',
  generator_steps: 'Generator steps', images_seen: 'Images seen', train_images: 'Training images',
  train_minutes: 'Training time', cpu_minutes: 'CPU time', seconds: 'Training time', cpu_seconds: 'CPU time',
  device: 'Trained on', processes: 'Processes', generator_parameters: 'Generator parameters',
  accuracy_check: 'Digit accuracy at the end',
}
const MINUTES = new Set(['train_minutes', 'cpu_minutes'])
const SECONDS = new Set(['seconds', 'cpu_seconds'])

/** "/srv/x/perceptual.pt" or "deep_learning/srgan/x.pt" -> "x.pt": where the server keeps files is not shown. */
export function withoutPaths(value) {
  if (Array.isArray(value)) return value.map(withoutPaths)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutPaths(v)]))
  if (typeof value === 'string' && !/\s/.test(value) && /[\\/]/.test(value) && !/^https?:/.test(value)) {
    return value.split(/[\\/]/).filter(Boolean).pop() ?? value
  }
  return value
}

function duration(minutes) {
  if (minutes < 1) return `${formatNumber(Math.round(minutes * 60))} s`
  if (minutes < 120) return `${formatNumber(Math.round(minutes * 10) / 10)} min`
  return `${formatNumber(Math.round(minutes / 6) / 10)} h`
}

export function factValue(key, value) {
  if (typeof value === 'number') {
    if (MINUTES.has(key)) return duration(value)
    if (SECONDS.has(key)) return duration(value / 60)
    if (key === 'accuracy_check' && value <= 1) return `${formatNumber(Math.round(value * 1000) / 10)}%`
    return formatNumber(value)
  }
  return String(withoutPaths(value))
}

/** { facts: [[label, text]], config: object|null } from a model's `training` block. */
export function trainingFacts(training = {}) {
  const facts = []
  let config = null
  for (const [key, value] of Object.entries(training ?? {})) {
    if (value === null || value === undefined || value === '') continue
    if (typeof value === 'object') {
      config = { ...(config ?? {}), ...(key === 'config' ? value : { [key]: value }) }
      continue
    }
    facts.push([LABELS[key] ?? key.replace(/_/g, ' '), factValue(key, value)])
  }
  return { facts, config: config && withoutPaths(config) }
}
