import PaintView from './views/PaintView.vue'
import DigitsView from './views/DigitsView.vue'
import MixerView from './views/MixerView.vue'
import RandomView from './views/RandomView.vue'
import SketchView from './views/SketchView.vue'
import EnhanceView from './views/EnhanceView.vue'
import ModelsView from './views/ModelsView.vue'
import RunsView from './views/RunsView.vue'
import { does } from './lib/models.js'

/**
 * One entry per tab, presentation only: label, icon, view, and the task (backend/registry.py `TASKS`) whose
 * models it needs, null for none. Titles are the registry's, from /api/models (`tabTitle`).
 */
const tab = (id, label, icon, component, task = null) => ({ id, label, icon, component, task, match: task ? does(task) : null })

export const TABS = [
  tab('paint', 'Paint', 'brush', PaintView, 'paint'),
  tab('digits', 'Digits', 'hash', DigitsView, 'digits'),
  tab('mixer', 'Mixer', 'sliders', MixerView, 'mix'),
  tab('random', 'Random', 'dice', RandomView, 'random'),
  tab('sketch', 'Sketch', 'pencil', SketchView, 'sketch'),
  tab('enhance', 'Enhance', 'sparkles', EnhanceView, 'enhance'),
  tab('models', 'Models', 'layers', ModelsView),
  tab('runs', 'Runs', 'chart', RunsView),
]

/** A tab's title: the titles of the listed models that serve it, else its label (no list yet, or none). */
export function tabTitle(t, models) {
  const titles = t.match ? (models ?? []).filter(t.match).map((m) => m.title || m.name) : []
  return titles.length ? titles.join(' · ') : t.label
}
