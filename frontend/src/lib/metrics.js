// Plain names for the metric keys the evaluations store, with which way is better and a one-line
// explanation (shown on hover), so a newcomer can read a model card without the papers.
const LOWER = 'lower'
const HIGHER = 'higher'

const FID = 'Fréchet Inception Distance: how far the generated images’ features are from real ones. Lower is better; compare with the real-data reference row, not with 0.'
const KID = 'Kernel Inception Distance: like FID but unbiased at small sample counts (± one standard deviation). Lower is better; about 0 means “as close as real images”.'

export const METRICS = {
  fid: { label: 'FID', better: LOWER, help: FID },
  fid_emoji: { label: 'FID (emoji features)', better: LOWER, help: `${FID} Features from an emoji classifier instead of ImageNet’s Inception, so a model trained against ImageNet features cannot lower it by matching ImageNet.` },
  kid: { label: 'KID', better: LOWER, help: KID, std: 'kid_std' },
  is: { label: 'Inception Score', better: HIGHER, help: 'How confidently a classifier names each image, and how many different classes appear. Higher is better.' },
  class_accuracy: { label: 'Class accuracy', better: HIGHER, help: 'Share of images an independent classifier puts in the class the prompt asked for.', percent: true },
  concept_top5: { label: 'Concept top-5', better: HIGHER, help: 'Share of images whose asked-for concept is among the judge’s five best guesses.', percent: true },
  concept_top1: { label: 'Concept top-1', better: HIGHER, help: 'Share of images the judge names as exactly the asked-for concept (its first guess among all 1,636).', percent: true },
  diversity: { label: 'Diversity', better: HIGHER, help: 'How different images of the same prompt are from each other (feature distance).' },
  pixel_diversity: { label: 'Pixel diversity', better: HIGHER, help: 'How different images of the same prompt are from each other in their pixels, relative to the real emoji of that prompt (1 = as varied as the real drawings).' },
  accuracy: { label: 'Digit accuracy', better: HIGHER, help: 'Share of generated digits an independent MNIST classifier reads as the digit asked for.', percent: true },
  is_classifier: { label: 'Inception Score (MNIST classifier)', better: HIGHER, help: 'Inception Score measured with an MNIST classifier instead of Inception. Higher is better; 10 is the maximum.' },
  fid_classifier: { label: 'FID (MNIST classifier)', better: LOWER, help: `${FID} Features from an MNIST classifier.` },
  kid_classifier: { label: 'KID (MNIST classifier)', better: LOWER, help: `${KID} Features from an MNIST classifier.`, std: 'kid_std_classifier' },
  fid_inception: { label: 'FID (Inception)', better: LOWER, help: FID },
  kid_inception: { label: 'KID (Inception)', better: LOWER, help: KID, std: 'kid_std_inception' },
  l1: { label: 'L1 error', better: LOWER, help: 'Mean absolute pixel difference from the original image (0 to 1). Lower is better.' },
  psnr: { label: 'PSNR (dB)', better: HIGHER, help: 'Peak signal-to-noise ratio against the original image, in decibels. Higher is better.' },
  ssim: { label: 'SSIM', better: HIGHER, help: 'Structural similarity with the original image, 0 to 1. Higher is better.' },
  images_below_bicubic_psnr: { label: 'Images worse than bicubic', better: LOWER, help: 'How many test images came out with a lower PSNR than plain bicubic scaling.' },
  images: { label: 'Images scored', help: 'How many images this row was measured on.' },
  inception_images: { label: 'Images for FID', help: 'How many images the Inception-based scores used.' },
}

/** Keys shown inside another metric's cell (KID's standard deviation). */
const FOLDED = new Set(Object.values(METRICS).map((m) => m.std).filter(Boolean))

export const ARROWS = { lower: '↓', higher: '↑' }

export function describeMetric(key) {
  const known = METRICS[key]
  if (known) return { key, ...known, heading: known.better ? `${known.label} ${ARROWS[known.better]}` : known.label }
  const label = key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase())
  return { key, label, heading: label, help: '' }
}

export function isFolded(key) {
  return FOLDED.has(key)
}

const plain = new Intl.NumberFormat('en', { maximumFractionDigits: 3, signDisplay: 'negative' })
const small = new Intl.NumberFormat('en', { maximumSignificantDigits: 2, signDisplay: 'negative' })

/** A number as a person reads it: never "-0", small values (KID) with two significant digits. */
export function formatNumber(value) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return value ?? '—'
  const text = Math.abs(value) < 0.01 && Math.abs(value) >= 0.0005 ? small.format(value) : plain.format(value)
  return text.replace(/^[-−]0(\.0*)?$/, '0')
}

/** One metric of one row: "0.032 ± 0.003", "57.5%", "136.58", or "—". */
export function formatMetric(key, values) {
  const v = values?.[key]
  if (v === undefined || v === null) return '—'
  const meta = METRICS[key]
  if (meta?.percent && typeof v === 'number' && v >= 0 && v <= 1) return `${formatNumber(Math.round(v * 1000) / 10)}%`
  const std = meta?.std && values[meta.std]
  return typeof std === 'number' ? `${formatNumber(v)} ± ${formatNumber(std)}` : String(formatNumber(v))
}

// Until every caller passes the card's `columns`: the names /api/models gave before it carried them.
const COLUMNS_BY_KIND = {
  'text-to-image': { train: 'Train prompts', test: 'Held-out prompts', test_help: 'Prompts the model never saw in training.' },
  digits: { train: 'Train split', test: 'Test split', test_help: 'MNIST test images, never trained on.' },
}
const DEFAULT_COLUMNS = { train: 'Training images', test: 'Held-out images', test_help: 'Images of emoji concepts the model never saw in training.' }

/**
 * The two columns of a metrics table, named for what the model was scored on: a model card's `columns`
 * ({ train, test, test_help }, the registry entry's, through /api/models), or, from an older caller, its kind.
 */
export function columnLabels(columns) {
  const given = columns && typeof columns === 'object' ? columns : COLUMNS_BY_KIND[columns] ?? DEFAULT_COLUMNS
  return { train: given.train ?? DEFAULT_COLUMNS.train, test: given.test ?? DEFAULT_COLUMNS.test, testHelp: given.test_help ?? '' }
}
