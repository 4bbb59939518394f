import { ref, watchEffect } from 'vue'

const KEY = 'gan-studio.theme'
const ORDER = ['auto', 'light', 'dark']

/** 'auto' follows the system; 'light'/'dark' pin it (CSS reads `data-theme` via color-scheme). */
export function useTheme() {
  let saved = 'auto'
  try {
    saved = localStorage.getItem(KEY) ?? 'auto'
  } catch {}
  const theme = ref(ORDER.includes(saved) ? saved : 'auto')

  watchEffect(() => {
    document.documentElement.dataset.theme = theme.value
    try {
      localStorage.setItem(KEY, theme.value)
    } catch {}
  })
  function cycle() {
    theme.value = ORDER[(ORDER.indexOf(theme.value) + 1) % ORDER.length]
  }
  return { theme, cycle }
}
