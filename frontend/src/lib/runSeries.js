// What the Runs tab draws from log.jsonl rows: one series per numeric column, losses shown first.
const NOT_CURVES = new Set(['epoch', 'step', 'seconds', 'cpu_seconds', 'train_minutes', 'cpu_minutes', 'images_seen', 'images_per_s'])

const PALETTE = ['#6243f5', '#e8407f', '#17985a', '#c77a00', '#1f8fd6', '#8a4cf0', '#d14d2a', '#5c5f70']

const isLoss = (key) => /loss|wasserstein|^l1$|_l1$/.test(key)

/** [{ key, label, points: [{x: epoch, y}], hidden }] from log rows; losses visible, the rest one click away. */
export function runSeries(rows) {
  const keys = []
  for (const row of rows) {
    for (const [key, value] of Object.entries(row)) {
      if (!NOT_CURVES.has(key) && typeof value === 'number' && Number.isFinite(value) && !keys.includes(key)) keys.push(key)
    }
  }
  const anyLoss = keys.some(isLoss)
  return keys
    .sort((a, b) => Number(isLoss(b)) - Number(isLoss(a)))
    .map((key, i) => ({
      key,
      label: key.replace(/_/g, ' '),
      color: PALETTE[i % PALETTE.length],
      hidden: anyLoss && !isLoss(key),
      points: rows.filter((r) => typeof r[key] === 'number').map((r) => ({ x: r.epoch, y: r[key] })),
    }))
}

/**
 * The newer of a run's two descriptions: the list's entry and the detail polled more often. While a run
 * trains the detail is usually ahead, and the list must not show an older epoch beside it.
 */
export function newerRun(listed, detail) {
  if (!detail || detail.id !== listed?.id) return listed
  const ahead = (detail.epoch ?? 0) > (listed.epoch ?? 0)
    || ((detail.epoch ?? 0) === (listed.epoch ?? 0) && runState(listed).label === 'training' && runState(detail).label !== 'training')
  if (!ahead) return listed
  const { rows, samples, sample_rows: sampleRows, options, ...summary } = detail
  return { ...listed, ...summary }
}

/** "epoch 3 of 5 · 4,800 images seen · 36 s of CPU" pieces for a run summary. */
export function runFacts(run) {
  const n = new Intl.NumberFormat('en')
  const facts = []
  facts.push(run.epochs ? `epoch ${run.epoch} of ${run.epochs}` : `epoch ${run.epoch}`)
  if (typeof run.images_seen === 'number') facts.push(`${n.format(run.images_seen)} images seen`)
  const time = (minutes) => (minutes < 1 ? `${Math.round(minutes * 60)} s` : `${n.format(Math.round(minutes * 10) / 10)} min`)
  if (typeof run.cpu_minutes === 'number') facts.push(`${time(run.cpu_minutes)} of CPU`)
  else if (typeof run.train_minutes === 'number') facts.push(`${time(run.train_minutes)} of training`)
  return facts
}

const STATES = {
  training: { label: 'training', tone: 'on' },
  finished: { label: 'finished', tone: 'done' },
  stopped: { label: 'stopped', tone: 'off' },
}

/** The run's state from the server's heartbeat-based `state` (training | stopped | finished), else its older flags. */
export function runState(run) {
  if (STATES[run?.state]) return STATES[run.state]
  if (run.running) return { label: 'training', tone: 'on' }
  if (run.finished) return { label: 'finished', tone: 'done' }
  return { label: 'stopped', tone: 'off' }
}
