// End-to-end check of the built app against a running backend.
//   E2E_BASE_URL  the served frontend, e.g. http://127.0.0.1:8080 (npm run build && npm run preview)
//   E2E_API_URL   optional: the backend that build talks to, checked first, e.g. http://127.0.0.1:5000
//   CHROMIUM_PATH optional: defaults to Debian's /usr/bin/chromium
//   E2E_BACKEND_CONTROL optional: a script taking stop|start (scripts/e2e.sh writes one): the recovery test
//   E2E_PYTHON, E2E_REPO, E2E_RUNS_DIR optional: train a tiny run into the folder the backend's Runs tab reads
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { mkdir, readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { launchChromium } from './chromium.mjs'

const BASE = process.env.E2E_BASE_URL?.replace(/\/+$/, '')
const CONTROL = process.env.E2E_BACKEND_CONTROL
const { E2E_PYTHON: PYTHON, E2E_REPO: REPO, E2E_RUNS_DIR: RUNS_DIR } = process.env
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
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(TIMEOUT)
  page.on('pageerror', (err) => pageErrors.push(err.message))
})

let training = null
after(async () => {
  training?.kill()
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

  it('morphs a painting into another prompt: a strip of frames and a looping GIF', async () => {
    await page.click('a[href="#/paint"]')
    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    await page.getByRole('button', { name: 'Morph to…' }).click()
    await page.fill('#morph-to', 'blue car')
    await page.getByRole('button', { name: 'Morph', exact: true }).click()
    await page.waitForFunction(() => {
      const frames = [...document.querySelectorAll('.morph__strip img')]
      const loop = document.querySelector('.morph__animation img')
      return frames.length === 8 && frames.every((i) => i.complete && i.naturalWidth > 0) && loop?.complete && loop.naturalWidth === 128
    })
    assert.match(await page.locator('.morph__animation img').getAttribute('src'), /^data:image\/gif;base64,/)
    await shot('morph')
  })

  it('on a phone, the paintings land on screen right after Enter, and the mixer image stays beside its sliders', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true })
    phone.setDefaultTimeout(TIMEOUT)
    phone.on('pageerror', (err) => pageErrors.push(err.message))
    await phone.goto(`${BASE}/#/paint`)
    await phone.locator('.chip').first().waitFor() // the example prompts are there, as on a first visit
    await phone.fill('#prompt', 'red apple')
    await phone.press('#prompt', 'Enter')
    await phone.waitForFunction(() => {
      const img = document.querySelector('.image-grid img')
      if (!img?.complete || !img.naturalWidth) return false
      const box = img.getBoundingClientRect()
      return box.top >= 0 && box.bottom <= window.innerHeight // on screen, no scrolling needed
    })
    await phone.screenshot({ path: `${ARTIFACTS}phone-paint.png` })

    await phone.click('a[href="#/mixer"]')
    await phone.waitForFunction(() => document.querySelector('.frame img')?.naturalWidth > 0)
    const onScreen = (sel) => phone.locator(sel).evaluate((el) => {
      const b = el.getBoundingClientRect()
      return b.top >= 0 && b.bottom <= window.innerHeight
    })
    assert.equal(await onScreen('.frame__canvas'), true, 'mixer image off screen')
    assert.equal(await onScreen('#w3'), true, 'mixer slider off screen')
    await phone.screenshot({ path: `${ARTIFACTS}phone-mixer.png` })
    await phone.close()
  })

  it('tells the truth while the backend is down and recovers by itself when it is back', { skip: !CONTROL && 'E2E_BACKEND_CONTROL not set' }, async () => {
    execFileSync(CONTROL, ['stop'])
    try {
      await whileDown()
    } finally {
      execFileSync(CONTROL, ['start'])
    }
    // No click: the page re-checks every few seconds, clears the error and loads the examples it missed.
    await page.locator('.health--online').waitFor()
    await page.locator('[aria-label="Example prompts"] .chip').first().waitFor()
    await page.locator('.notice--error').waitFor({ state: 'detached' })
    await page.press('#prompt', 'Enter')
    await page.waitForFunction(() => document.querySelectorAll('.image-grid img').length === 5)
    await shot('backend-back')
  })

  async function whileDown() {
    await page.goto(`${BASE}/#/paint`)
    await page.reload() // a fresh start with the backend down
    await page.locator('.health--offline').waitFor()
    assert.equal(await page.locator('[aria-label="Example prompts"] .chip').count(), 0)
    await page.fill('#prompt', 'red apple')
    await page.press('#prompt', 'Enter')
    const notice = page.locator('.notice--error')
    await notice.waitFor()
    assert.match(await notice.innerText(), /Cannot reach the backend/)
    assert.doesNotMatch(await page.locator('.notice__title').innerText(), /CORS/)
    assert.equal(await page.getByRole('button', { name: 'Try again' }).isVisible(), true)
    assert.match(await page.locator('.health').innerText(), /unreachable/)
    await shot('backend-down')
  }

  it('Runs tab: says how to start a run, then shows a tiny run trained here, live, with its curves and grids', { skip: !(PYTHON && RUNS_DIR) && 'E2E_PYTHON / E2E_RUNS_DIR not set' }, async () => {
    assert.deepEqual(await readdir(RUNS_DIR), [])
    await page.click('a[href="#/runs"]')
    await page.locator('[data-testid="runs-empty"]').waitFor()
    await shot('runs-empty')

    training = spawn(PYTHON, ['deep_learning/digits_gan/training_loop.py', '--z_dim=8', '--g_width=4', '--d_width=4',
      '--batch_size=16', '--n_critic=2', '--check_per_digit=0', '--limit=160', '--epochs=20', `--saved=${RUNS_DIR}`,
      '--run=e2e-tiny', `--out=${RUNS_DIR}/e2e-tiny.pt`], { cwd: REPO, env: { ...process.env, OMP_NUM_THREADS: '1' }, stdio: 'ignore' })
    const done = new Promise((resolve) => training.on('exit', resolve))

    await page.locator('.run-item', { hasText: 'digits_gan/e2e-tiny' }).click({ timeout: 120_000 })
    await page.locator('.run-chart canvas').waitFor({ timeout: 120_000 })
    const epochOf = async () => Number((await page.locator('[data-testid="run-facts"]').innerText()).match(/epoch (\d+)/)[1])
    const first = await epochOf()
    assert.match(await page.locator('.runs__detail .run-state').innerText(), /training/)
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="run-facts"]').textContent.match(/epoch (\d+)/)[1]) > n,
      first, { timeout: 120_000 }) // live: new epochs arrive without a reload
    await page.waitForFunction(() => document.querySelector('.sample-player img')?.naturalWidth > 0)
    await shot('runs-live')

    assert.equal(await done, 0, 'the tiny training run failed')
    await page.locator('.runs__detail .run-state', { hasText: 'finished' }).waitFor({ timeout: 60_000 })
    assert.match(await page.locator('[data-testid="run-facts"]').innerText(), /epoch 20 of 20 · 3,200 images seen/)
    const slider = page.locator('input[aria-label="Epoch of the sample grid"]')
    await slider.fill('0')
    await page.waitForFunction(() => /samples\/1\.png$/.test(document.querySelector('.sample-player img').src))
    await page.getByRole('button', { name: 'Play' }).click()
    await page.waitForFunction(() => !/samples\/1\.png$/.test(document.querySelector('.sample-player img').src))
    await shot('runs-finished')
    assert.deepEqual(pageErrors, [])
  })
})
