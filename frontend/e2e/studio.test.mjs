// End-to-end check of the built app against a running backend.
//   E2E_BASE_URL  the served frontend, e.g. http://127.0.0.1:8080 (npm run build && npm run preview)
//   E2E_API_URL   optional: the backend that build talks to, checked first, e.g. http://127.0.0.1:5000
//   CHROMIUM_PATH optional: defaults to Debian's /usr/bin/chromium
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const BASE = process.env.E2E_BASE_URL?.replace(/\/+$/, '')
const API = process.env.E2E_API_URL?.replace(/\/+$/, '')
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 60_000) // CPU inference can be slow

let browser
let page
const pageErrors = []

if (!BASE) {
  it('needs E2E_BASE_URL', () => {
    assert.fail('Set E2E_BASE_URL to the served frontend (npm run build && npm run preview), with its backend running.')
  })
}

before(async () => {
  if (!BASE) return
  await mkdir(ARTIFACTS, { recursive: true })
  // chromium.launch always starts from a fresh, temporary user-data-dir.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(TIMEOUT)
  page.on('pageerror', (err) => pageErrors.push(err.message))
})

after(async () => {
  await browser?.close()
})

const shot = (name) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true })
const marker = () => page.evaluate(() => window.__e2eMarker)

describe('GAN Studio', { concurrency: false, skip: !BASE && 'E2E_BASE_URL not set' }, () => {
  it('the backend answers /api/health', { skip: !API && 'E2E_API_URL not set' }, async () => {
    const res = await fetch(`${API}/api/health`)
    assert.equal(res.status, 200)
    assert.equal((await res.json()).status, 'ok')
  })

  it('paints five images for a prompt on Enter, without reloading the page', async () => {
    await page.goto(`${BASE}/#/paint`)
    await page.getByRole('heading', { name: 'Paint with words' }).waitFor()
    await page.evaluate(() => (window.__e2eMarker = 'still-here'))

    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    await page.waitForFunction(() => {
      const imgs = [...document.querySelectorAll('.image-grid img')]
      return imgs.length === 5 && imgs.every((img) => img.complete && img.naturalWidth > 0)
    })
    assert.equal(await marker(), 'still-here', 'the page reloaded')
    assert.match(await page.locator('.results__bar').innerText(), /seed \d+/)
    await shot('paint')
  })

  it('enlarges one painting 4x through the super-resolution model', async () => {
    const size = await page.locator('.image-grid img').first().evaluate((img) => img.naturalWidth)
    assert.equal(await page.locator('.image-grid img').first().evaluate((img) => img.classList.contains('pixelated')), true)
    await page.getByRole('button', { name: 'Enlarge image 1 4x' }).click()
    await page.waitForFunction((small) => {
      const img = document.querySelector('.image-grid img')
      return img.alt.endsWith('(4x)') && img.complete && img.naturalWidth === 4 * small
    }, size)
    assert.equal(await page.locator('.tile__badge').count(), 1)
    await shot('paint-4x')
  })

  it('opens a painting large with crisp pixels, and Escape closes it', async () => {
    await page.getByRole('button', { name: 'Open image 2 large' }).click()
    const large = page.locator('dialog.lightbox[open] img')
    await large.waitFor()
    const box = await large.boundingBox()
    assert.ok(box.width >= 300, `the large view is ${box.width} px wide`)
    assert.equal(await large.evaluate((img) => getComputedStyle(img).imageRendering), 'pixelated')
    await shot('paint-large')
    await page.keyboard.press('Escape')
    await page.locator('dialog.lightbox[open]').waitFor({ state: 'detached' })
  })

  it('shows the digit rule inline for "12a" and writes a valid number', async () => {
    await page.click('a[href="#/digits"]')
    await page.fill('#digits', '12a')
    assert.equal(await page.locator('.field-error').innerText(), 'Only digits 0-9.')
    assert.equal(await page.locator('form button[type="submit"]').isDisabled(), true)
    await shot('digits-error')

    await page.fill('#digits', '2024')
    await page.press('#digits', 'Enter')
    await page.waitForFunction(() => {
      const img = document.querySelector('.frame img')
      return img?.complete && img.naturalWidth > 0
    })
    assert.equal(await marker(), 'still-here', 'the page reloaded')
  })

  it('lists the models with their status', async () => {
    await page.click('a[href="#/models"]')
    await page.locator('.model-card').first().waitFor()
    assert.ok((await page.locator('.model-card').count()) >= 1)
    await shot('models')
    assert.deepEqual(pageErrors, [])
  })
})
