/**
 * The exact source text of the value of a top-level member of a JSON object, without re-serialising it.
 * Intel signs the bytes of `tcbInfo` / `enclaveIdentity` as they appear in the PCS response
 * (attestation.md §2, "slice the raw substring"). Returns undefined when the member is absent.
 * @throws SyntaxError when `text` is not a JSON object
 */
export function rawJsonMember(text: string, key: string): string | undefined {
  JSON.parse(text) // validates; the scan below can then assume well-formed JSON
  let i = skipWs(text, 0)
  if (text[i] !== '{') throw new SyntaxError('expected a JSON object')
  i = skipWs(text, i + 1)
  while (i < text.length && text[i] !== '}') {
    const keyEnd = scanString(text, i)
    const name = JSON.parse(text.slice(i, keyEnd)) as string
    i = skipWs(text, keyEnd)
    i = skipWs(text, i + 1) // ':'
    const valueEnd = scanValue(text, i)
    if (name === key) return text.slice(i, valueEnd)
    i = skipWs(text, valueEnd)
    if (text[i] === ',') i = skipWs(text, i + 1)
  }
  return undefined
}

function skipWs(t: string, i: number): number {
  while (i < t.length && /\s/.test(t[i] as string)) i++
  return i
}

/** `t[i]` is the opening quote; returns the index after the closing quote. */
function scanString(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    if (t[j] === '\\') j++
    else if (t[j] === '"') return j + 1
  }
  throw new SyntaxError('unterminated string')
}

function scanValue(t: string, i: number): number {
  const c = t[i]
  if (c === '"') return scanString(t, i)
  if (c === '{' || c === '[') {
    let depth = 0
    for (let j = i; j < t.length; j++) {
      const d = t[j]
      if (d === '"') j = scanString(t, j) - 1
      else if (d === '{' || d === '[') depth++
      else if (d === '}' || d === ']') {
        depth--
        if (depth === 0) return j + 1
      }
    }
    throw new SyntaxError('unterminated value')
  }
  let j = i
  while (j < t.length && !/[\s,}\]]/.test(t[j] as string)) j++
  return j
}
