/** Width and height of an image file or URL, read by the browser before anything is sent. */
export async function imageSize(source) {
  const url = typeof source === 'string' ? source : URL.createObjectURL(source)
  try {
    return await new Promise((resolve, reject) => {
      const img = new Image()
      img.onload = () => resolve({ width: img.naturalWidth, height: img.naturalHeight })
      img.onerror = () => reject(new Error('The image could not be read.'))
      img.src = url
    })
  } finally {
    if (typeof source !== 'string') URL.revokeObjectURL(url)
  }
}

/** The message for an upload the server made smaller, or '' when it was used as it is. */
export function reductionNote(original, used, limit) {
  if (!original || !used || (original.width <= used.width && original.height <= used.height)) return ''
  const why = limit ? `the model's input limit (${limit} px on the longer side)` : "the model's input limit"
  return `Your image was reduced from ${original.width}×${original.height} to ${used.width}×${used.height}, ${why}, before it was enlarged.`
}
