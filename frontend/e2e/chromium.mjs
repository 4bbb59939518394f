// Debian's Chromium through playwright-core, as every browser spec launches it: headless, no sandbox (root in
// CI), and none of the background connections this offline machine refuses. Each launch gets a fresh,
// temporary user-data-dir.
import { chromium } from 'playwright-core'

export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}
