import PaintView from './views/PaintView.vue'
import DigitsView from './views/DigitsView.vue'
import MixerView from './views/MixerView.vue'
import RandomView from './views/RandomView.vue'
import SketchView from './views/SketchView.vue'
import EnhanceView from './views/EnhanceView.vue'
import ModelsView from './views/ModelsView.vue'
import RunsView from './views/RunsView.vue'
import { does } from './lib/models.js'


/** One entry per tab; `match` picks the backend models the tab needs (null: needs none). */
export const TABS = [
  { id: 'paint', label: 'Paint', icon: 'brush', title: 'Text to image', component: PaintView, match: does('paint') },
  { id: 'digits', label: 'Digits', icon: 'hash', title: 'Digits on demand', component: DigitsView, match: does('digits') },
  { id: 'mixer', label: 'Mixer', icon: 'sliders', title: 'Creative digit mixing', component: MixerView, match: does('mix') },
  { id: 'random', label: 'Random', icon: 'dice', title: 'Random samples', component: RandomView, match: does('random') },
  { id: 'sketch', label: 'Sketch', icon: 'pencil', title: 'Sketch to image (Pix2Pix)', component: SketchView, match: does('sketch') },
  { id: 'enhance', label: 'Enhance', icon: 'sparkles', title: 'Super-resolution (SRGAN)', component: EnhanceView, match: does('enhance') },
  { id: 'models', label: 'Models', icon: 'layers', title: 'Models', component: ModelsView, match: null },
  { id: 'runs', label: 'Runs', icon: 'chart', title: 'Training runs', component: RunsView, match: null },
]
