// The page, round 3 (issue 23), in Chromium against the real backend (scripts/e2e.sh starts both):
// every tab's result on screen after the action on a 390x844 phone; an outage while the page is idle and
// the recovery, with no earlier pictures under a newer prompt; a busy server (503 + Retry-After, by route
// interception) retried visibly; a share link repainting the same pictures in a fresh page; contrast.
//   E2E_BASE_URL (required), E2E_BACKEND_CONTROL (the outage test), CHROMIUM_PATH, E2E_TIMEOUT_MS
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './chromium.mjs'

const BASE = process.env.E2E_BASE_URL?.replace(/\/+$/, '')
const CONTROL = process.env.E2E_BACKEND_CONTROL
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 60_000)
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }

let browser
const pageErrors = []

before(async () => {
  if (!BASE) return
  await mkdir(ARTIFACTS, { recursive: true })
  browser = await launchChromium()
})
after(() => browser?.close())

async function open(options = {}) {
  const context = await browser.newContext(options)
  const page = await context.newPage()
  page.setDefaultTimeout(TIMEOUT)
  page.on('pageerror', (err) => pageErrors.push(err.message))
  return page
}

// Whole on screen (below the sticky header's top edge, above the window's bottom), once scrolling settles.
const onScreen = (page, selector) =>
  page.waitForFunction((sel) => {
    const el = document.querySelector(sel)
    if (!el) return false
    const box = el.getBoundingClientRect()
    return box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight
  }, selector)

const imagesLoaded = (page, selector, count = 1) =>
  page.waitForFunction(([sel, n]) => {
    const imgs = [...document.querySelectorAll(sel)]
    return imgs.length >= n && imgs.every((img) => img.complete && img.naturalWidth > 0)
  }, [selector, count])

describe('GAN Studio, round 3', { concurrency: false, skip: !BASE && 'E2E_BASE_URL not set' }, () => {
  it('on a 390x844 phone, every tab shows its result on screen right after the action', async () => {
    const page = await open(PHONE)
    await page.goto(`${BASE}/#/paint`)
    await page.locator('.chip').first().waitFor()
    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    await imagesLoaded(page, '.image-grid img', 5)
    await onScreen(page, '.image-grid')
    assert.equal(await page.title(), 'Paint · GAN Studio')

    await page.getByRole('button', { name: 'Morph to…' }).click()
    await page.fill('#morph-to', 'blue car')
    await page.locator('input[aria-label="Frames"]').fill('24')
    await page.getByRole('button', { name: 'Morph', exact: true }).click()
    await imagesLoaded(page, '.morph__animation img')
    await onScreen(page, '.morph__result')
    const frames = await page.locator('.morph__strip img').evaluateAll((imgs) => imgs.map((i) => [i.width, i.height]))
    assert.equal(frames.length, 24)
    assert.ok(frames.every(([w, h]) => w === h && w >= 60), `frames squashed: ${JSON.stringify(frames.slice(0, 3))}`)
    await page.screenshot({ path: `${ARTIFACTS}r3-phone-morph.png` })

    await page.click('a[href="#/digits"]')
    await page.fill('#digits', '2024')
    await page.press('#digits', 'Enter')
    await imagesLoaded(page, '.results .frame img')
    await onScreen(page, '.results .frame')

    await page.click('a[href="#/mixer"]')
    await imagesLoaded(page, '.results .frame img')
    await page.getByRole('button', { name: 'New style' }).click()
    await imagesLoaded(page, '.results .frame img')
    await onScreen(page, '.results .frame')

    await page.click('a[href="#/random"]')
    await page.getByRole('button', { name: /New sample/ }).click()
    await imagesLoaded(page, '.results .frame img')
    await onScreen(page, '.results .frame')
    await page.screenshot({ path: `${ARTIFACTS}r3-phone-random.png` })

    await page.click('a[href="#/sketch"]')
    if (await page.getByRole('button', { name: 'Load example' }).count()) {
      // A stroke on the pad: the answer below the pad comes into view after the pen lifts.
      const pad = await page.locator('.sketchpad__canvas').boundingBox()
      await page.mouse.move(pad.x + pad.width * 0.3, pad.y + pad.height * 0.3)
      await page.mouse.down()
      await page.mouse.move(pad.x + pad.width * 0.7, pad.y + pad.height * 0.6, { steps: 8 })
      await page.mouse.up()
      await imagesLoaded(page, '.results .frame img')
      await onScreen(page, '.results .frame')
      await page.screenshot({ path: `${ARTIFACTS}r3-phone-sketch.png` })
    }

    await page.click('a[href="#/enhance"]')
    await page.getByRole('button', { name: 'Use example' }).click()
    await imagesLoaded(page, '.compare img', 3)
    await onScreen(page, '.compare')
    await page.screenshot({ path: `${ARTIFACTS}r3-phone-enhance.png` })
    assert.deepEqual(pageErrors, [])
    await page.context().close()
  })

  it('a share link opened in a fresh page paints the same pictures without typing', async () => {
    const page = await open({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${BASE}/#/paint`)
    await page.fill('#prompt', 'grinning face')
    await page.fill('input[placeholder="random"]', '1234')
    await page.press('#prompt', 'Enter')
    await imagesLoaded(page, '.image-grid img', 5)
    const link = page.url()
    assert.match(link, /#\/paint\?prompt=grinning\+face&seed=1234&n=5$/)
    const first = await page.locator('.image-grid img').evaluateAll((imgs) => imgs.map((i) => i.src))
    assert.deepEqual(await page.locator('.tile__seed').allInnerTexts(), ['seed 1234', 'seed 1235', 'seed 1236', 'seed 1237', 'seed 1238'])
    // Enter on "4x": the focus stays on that picture (it used to fall to the top of the page).
    await page.getByRole('button', { name: 'Enlarge image 1 4x' }).focus()
    await page.keyboard.press('Enter')
    await page.locator('.tile__badge').waitFor()
    assert.match(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''), /^Open image 1 large/)
    await page.context().close()

    const fresh = await open({ viewport: { width: 1280, height: 900 } })
    await fresh.goto(link)
    await imagesLoaded(fresh, '.image-grid img', 5)
    assert.equal(await fresh.inputValue('#prompt'), 'grinning face')
    const again = await fresh.locator('.image-grid img').evaluateAll((imgs) => imgs.map((i) => i.src))
    assert.deepEqual(again, first, 'the link painted other pictures')
    await fresh.screenshot({ path: `${ARTIFACTS}r3-shared.png` })
    await fresh.context().close()
  })

  it('a 503 with Retry-After reads as busy, is retried visibly, and then painted', async () => {
    const page = await open({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${BASE}/#/paint`)
    let refused = 0
    const origin = new URL(BASE).origin
    await page.route((url) => url.searchParams.has('input'), async (route) => {
      if (refused < 2) {
        refused++
        return route.fulfill({
          status: 503,
          contentType: 'application/json',
          headers: { 'Retry-After': '1', 'Access-Control-Allow-Origin': origin, 'Access-Control-Expose-Headers': 'Retry-After' },
          body: JSON.stringify({ error: 'The server is busy: 96 images are waiting. Try again in a second.' }),
        })
      }
      return route.continue()
    })
    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    const busy = page.locator('[data-testid="busy-waiting"]')
    await busy.waitFor()
    assert.match(await busy.innerText(), /server is busy: trying again in 1 s \(try 2 of 4\)/)
    assert.doesNotMatch(await page.locator('main').innerText(), /not loaded/)
    await page.screenshot({ path: `${ARTIFACTS}r3-busy.png` })
    await imagesLoaded(page, '.image-grid img', 5)
    assert.equal(refused, 2)
    assert.equal(await busy.count(), 0)

    // Busy every time: after the tries, a calm notice with Try again (which works once the queue drains).
    refused = -100
    await page.fill('#prompt', 'blue car')
    await page.press('#prompt', 'Enter')
    const notice = page.locator('.notice', { hasText: 'The server is busy.' })
    await notice.waitFor({ timeout: 20_000 })
    assert.match(await notice.innerText(), /Still busy after 4 tries/)
    assert.equal(await page.locator('.image-grid img').count(), 0)
    refused = 2 // the queue has drained
    await page.getByRole('button', { name: 'Try again' }).click()
    await imagesLoaded(page, '.image-grid img', 5)
    assert.match(await page.locator('.results__bar').innerText(), /blue car/)
    await page.context().close()
  })

  it('notices an outage while idle, shows no earlier pictures under a new prompt, and recovers by itself', { skip: !CONTROL && 'E2E_BACKEND_CONTROL not set' }, async () => {
    const page = await open({ viewport: { width: 1280, height: 900 } })
    await page.goto(`${BASE}/#/paint`)
    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    await imagesLoaded(page, '.image-grid img', 5)
    await page.locator('.health--online').waitFor()

    execFileSync(CONTROL, ['stop'])
    try {
      // Nobody touches the page: it still finds out (health is checked while up, too).
      await page.locator('.health--offline').waitFor({ timeout: 20_000 })
      await page.fill('#prompt', 'blue car')
      await page.press('#prompt', 'Enter')
      await page.locator('.notice--error', { hasText: 'Cannot reach the backend' }).waitFor()
      assert.equal(await page.locator('.image-grid img').count(), 0, 'the red apples stayed under "blue car"')
      await page.click('a[href="#/models"]')
      await page.locator('[data-testid="model-status"]').first().waitFor()
      assert.deepEqual([...new Set(await page.locator('[data-testid="model-status"]').allInnerTexts())], ['server unreachable'])
      await page.screenshot({ path: `${ARTIFACTS}r3-down-models.png` })
      await page.click('a[href="#/paint"]')
    } finally {
      execFileSync(CONTROL, ['start'])
    }
    // No click: the failed request is asked again when the backend answers, and answers "blue car".
    await page.locator('.health--online').waitFor({ timeout: 30_000 })
    await imagesLoaded(page, '.image-grid img', 5)
    assert.match(await page.locator('.results__bar').innerText(), /“blue car”/)
    assert.equal(await page.locator('.notice--error').count(), 0)
    await page.screenshot({ path: `${ARTIFACTS}r3-recovered.png` })
    await page.context().close()
  })

  it('the listed labels reach 4.5:1 contrast in light and dark, and the phone status is a word', async (t) => {
    const page = await open(PHONE)
    await page.goto(`${BASE}/#/paint`)
    await page.locator('.chip--unseen .badge').first().waitFor()
    await page.locator('.health--online').waitFor()
    assert.equal(await page.locator('.health__short').innerText(), 'Online')
    const fontPx = Number((await page.locator('.tabnav__link span').first().evaluate((el) => getComputedStyle(el).fontSize)).replace('px', ''))
    assert.ok(fontPx >= 12, `tab labels are ${fontPx} px`)

    await page.click('a[href="#/models"]')
    await page.locator('[data-testid="model-status"]').first().waitFor()
    // A held-out row label as the text-to-image card draws it (the test checkpoint has no sample grid).
    await page.evaluate(() => {
      const card = document.querySelector('.model-card')
      card.insertAdjacentHTML('beforeend', '<ol class="model-card__rows" style="--rows: 1"><li class="is-unseen" id="e2e-unseen">parrot</li></ol>')
    })
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
      const ratios = await page.evaluate(contrastOf, ['[data-testid="model-status"]', '#e2e-unseen', '.metrics__group th', '.facts dt', '.health__short'])
      await page.click('a[href="#/paint"]')
      Object.assign(ratios, await page.evaluate(contrastOf, ['.chip--unseen .badge', '.chip-row__label', '.view__intro p']))
      await page.click('a[href="#/models"]')
      t.diagnostic(`${theme}: ${Object.entries(ratios).map(([label, ratio]) => `${label} ${ratio.toFixed(2)}`).join(', ')}`)
      for (const [label, ratio] of Object.entries(ratios)) assert.ok(ratio >= 4.5, `${theme}: ${label} has ${ratio.toFixed(2)}:1`)
    }
    await page.context().close()
  })
})

// In the page: the contrast ratio of each selector's text against what is drawn behind it (its own and its
// ancestors' backgrounds, translucent ones composited), WCAG 2 relative luminance.
function contrastOf(selectors) {
  const probe = document.createElement('canvas').getContext('2d')
  const rgba = (css) => {
    probe.clearRect(0, 0, 1, 1)
    probe.fillStyle = '#000'
    probe.fillStyle = css // the canvas understands color(), light-dark() resolved by getComputedStyle
    probe.fillRect(0, 0, 1, 1)
    const [r, g, b, a] = probe.getImageData(0, 0, 1, 1).data
    return [r, g, b, a / 255]
  }
  const over = (top, bottom) => top.slice(0, 3).map((c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat(1)
  const luminance = ([r, g, b]) => {
    const f = (c) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)
  }
  const out = {}
  for (const selector of selectors) {
    const el = document.querySelector(selector)
    if (!el) throw new Error(`nothing matches ${selector}`)
    const layers = []
    for (let node = el; node; node = node.parentElement) layers.push(rgba(getComputedStyle(node).backgroundColor))
    let behind = rgba(getComputedStyle(document.documentElement).colorScheme === 'dark' ? '#000' : '#fff')
    for (const layer of layers.reverse()) behind = over(layer, behind)
    const text = over(rgba(getComputedStyle(el).color), behind)
    const [hi, lo] = [luminance(text), luminance(behind)].sort((a, b) => b - a)
    out[selector] = (hi + 0.05) / (lo + 0.05)
  }
  return out
}
