import { ref } from 'vue'

const KEY = 'gan-studio.recent-prompts'

function load(storage) {
  try {
    const items = JSON.parse(storage?.getItem(KEY) ?? '[]')
    return Array.isArray(items) ? items.filter((p) => typeof p === 'string') : []
  } catch {
    return []
  }
}

/** Recent prompts, newest first, without duplicates, kept in localStorage. */
export function usePromptHistory(limit = 8, storage = globalThis.localStorage) {
  const items = ref(load(storage).slice(0, limit))

  function save() {
    try {
      storage?.setItem(KEY, JSON.stringify(items.value))
    } catch {
      // Private mode or a full quota: the history simply is not remembered.
    }
  }
  function add(prompt) {
    const p = prompt.trim()
    if (!p) return
    items.value = [p, ...items.value.filter((x) => x !== p)].slice(0, limit)
    save()
  }
  function clear() {
    items.value = []
    save()
  }
  return { items, add, clear }
}
