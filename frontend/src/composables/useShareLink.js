import { getCurrentInstance, onActivated, onBeforeUnmount, onMounted, ref } from 'vue'
import { parseHash, shareUrl, writeShareHash } from '@/lib/shareLink'

/**
 * A tab's share link. `open(params)` is called with the link's parameters when the page opens on it (or the
 * address is changed to one for this tab while it is open); `write(params)` puts the parameters of a new
 * result into the address; `url` is the full link to copy.
 */
export function useShareLink(tab, open) {
  const url = ref('')
  const opened = ref(false) // the page was opened on a link for this tab
  let written = ''
  let last = null

  function write(params) {
    last = params
    writeShareHash(tab, params)
    url.value = shareUrl(tab, params)
    written = globalThis.location?.hash ?? ''
  }

  function read() {
    const hash = globalThis.location?.hash ?? ''
    if (hash === written) return
    const { tab: current, params } = parseHash(hash)
    if (current === tab && Object.keys(params).length) {
      written = hash
      opened.value = true
      open(params)
    }
  }

  if (getCurrentInstance()) {
    onMounted(() => {
      read()
      window.addEventListener('hashchange', read)
    })
    // Back on this tab (its link in the tab bar has no parameters): the address names the result shown again.
    onActivated(() => {
      if (last && parseHash().tab === tab && !Object.keys(parseHash().params).length) write(last)
    })
    onBeforeUnmount(() => window.removeEventListener('hashchange', read))
  }
  return { url, opened, write, read }
}
