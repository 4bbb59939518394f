import { onBeforeUnmount, ref } from 'vue'

/** The current tab id from `#/<id>`; changing tabs never reloads the page. */
export function useHashRoute(ids, fallback = ids[0]) {
  const parse = () => {
    const id = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]
    return ids.includes(id) ? id : fallback
  }
  const current = ref(parse())
  const onChange = () => {
    current.value = parse()
  }
  window.addEventListener('hashchange', onChange)
  onBeforeUnmount(() => window.removeEventListener('hashchange', onChange))

  function go(id) {
    location.hash = `#/${id}`
  }
  return { current, go }
}
