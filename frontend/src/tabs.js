import PaintView from './views/PaintView.vue'
import DigitsView from './views/DigitsView.vue'
import MixerView from './views/MixerView.vue'
import RandomView from './views/RandomView.vue'
import SketchView from './views/SketchView.vue'
import EnhanceView from './views/EnhanceView.vue'
import ModelsView from './views/ModelsView.vue'

// The mixer's kind is not fixed by the API contract: accept kind "mixer" or a name with "mix".
const isMixer = (m) => m.kind === 'mixer' || /mix/i.test(m.name ?? '')

/** One entry per tab; `match` picks the backend models the tab needs (null: needs none). */
export const TABS = [
  { id: 'paint', label: 'Paint', icon: 'brush', title: 'Text to image', component: PaintView, match: (m) => m.kind === 'text-to-image' },
  { id: 'digits', label: 'Digits', icon: 'hash', title: 'Digits on demand', component: DigitsView, match: (m) => m.kind === 'digits' && !isMixer(m) },
  { id: 'mixer', label: 'Mixer', icon: 'sliders', title: 'Creative digit mixing', component: MixerView, match: isMixer },
  { id: 'random', label: 'Random', icon: 'dice', title: 'Random samples', component: RandomView, match: (m) => m.kind === 'random' },
  { id: 'sketch', label: 'Sketch', icon: 'pencil', title: 'Sketch to image (Pix2Pix)', component: SketchView, match: (m) => m.kind === 'sketch' },
  { id: 'enhance', label: 'Enhance', icon: 'sparkles', title: 'Super-resolution (SRGAN)', component: EnhanceView, match: (m) => m.kind === 'super-resolution' },
  { id: 'models', label: 'Models', icon: 'layers', title: 'Models', component: ModelsView, match: null },
]
