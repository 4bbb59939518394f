// "Use via API": a request the page made (api.describeCall) as a curl command and a Python script.

/** A string for a POSIX shell, single-quoted. */
export function shellQuote(text) {
  const s = String(text)
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`
}

const py = (value) => JSON.stringify(value) // JSON strings, numbers and lists read the same in Python

function pyValue(value) {
  if (value === null || value === undefined) return 'None'
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (Array.isArray(value)) return `[${value.map(pyValue).join(', ')}]`
  if (typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${py(k)}: ${pyValue(v)}`).join(', ')}}`
  return py(value)
}

/** curl: the answer is JSON with the image(s) as base64; `jq` or Python turns them into files. */
export function curlSnippet(call) {
  const parts = ['curl', '-sS']
  if (call.method !== 'GET') parts.push('-X', call.method)
  if (call.json) parts.push('-H', shellQuote('Content-Type: application/json'), '-d', shellQuote(JSON.stringify(call.json)))
  for (const [key, value] of Object.entries(call.form ?? {})) parts.push('-F', shellQuote(`${key}=${value}`))
  for (const [key, file] of Object.entries(call.files ?? {})) parts.push('-F', shellQuote(`${key}=@${file}`))
  parts.push(shellQuote(call.url))
  const { key, list, ext } = call.result
  const pick = list ? `.${key}[0]` : `.${key}`
  return `${parts.join(' ')} \\\n  | jq -r '${pick}' | base64 -d > image.${ext}`
}

/** Python with requests: the same request, every image written to a file. */
export function pythonSnippet(call) {
  const url = new URL(call.url)
  const params = Object.fromEntries(url.searchParams)
  const address = `${url.origin}${url.pathname}`
  const args = [py(address)]
  if (Object.keys(params).length) args.push(`params=${pyValue(coerce(params))}`)
  if (call.form) args.push(`data=${pyValue(call.form)}`)
  if (call.json) args.push(`json=${pyValue(call.json)}`)
  if (call.files) args.push(`files={${Object.entries(call.files).map(([k, f]) => `${py(k)}: open(${py(f)}, "rb")`).join(', ')}}`)
  args.push('timeout=60')
  const { key, list, ext } = call.result
  const save = list
    ? `for i, b64 in enumerate(answer.json()[${py(key)}]):\n    with open(f"image-{i + 1}.${ext}", "wb") as f:\n        f.write(base64.b64decode(b64))`
    : `with open("image.${ext}", "wb") as f:\n    f.write(base64.b64decode(answer.json()[${py(key)}]))`
  return `import base64\n\nimport requests\n\nanswer = requests.${call.method.toLowerCase()}(${args.join(', ')})\nanswer.raise_for_status()\n${save}\n`
}

// Query values are strings; whole numbers read better (and the same) as numbers.
function coerce(params) {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, /^\d+$/.test(v) && v.length < 16 ? Number(v) : v]))
}
