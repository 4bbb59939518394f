import { formatMetric } from './metrics'

// What a metrics table cell and row label show beyond the formatting in metrics.js: a KID below zero (an
// unbiased estimate a little under 0 means "as close as real images") as "≈ 0", and which row is the
// shipped model and which the real-data reference.

const isKid = (key) => /^kid(_|$)/.test(key)

/** { text, note } for one cell; `note` explains a value shown other than as measured. */
export function metricCell(key, values) {
  const v = values?.[key]
  const text = formatMetric(key, values)
  if (isKid(key) && typeof v === 'number' && v < 0) {
    const [, std] = text.split(' ± ')
    return { text: std ? `≈ 0 ± ${std}` : '≈ 0', note: `Measured ${v}: KID is unbiased, so a model as close as real images can land a little below 0.` }
  }
  return { text, note: '' }
}

/** 'shipped' | 'reference' | '' for a metrics row: the row of the checkpoint served, the real-data row. */
export function rowRole(row, { shipped = 'default' } = {}) {
  if (row?.shipped === true || /\bshipped\b/i.test(row?.label ?? '') || row?.label === shipped) return 'shipped'
  if (row?.reference === true || /\b(real|reference|original)\b/i.test(row?.label ?? '')) return 'reference'
  return ''
}

/** Free text without the server's file paths: "…(deep_learning/classifiers/checkpoints/mnist.pt, …" -> "…(mnist.pt, …". */
export function withoutPathsInText(text) {
  return String(text ?? '').replace(/(?:[\w.-]+\/)+([\w.-]+\.(?:pt|pth|npz|json|jsonl|safetensors|ckpt|png|md))/g, '$1')
}
