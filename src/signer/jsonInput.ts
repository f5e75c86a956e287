/**
 * A JSON document given either as its text or already parsed (keystores and interchange files arrive both ways):
 * the text is parsed, anything else returned as is. Throws `fail()` for text that is not JSON (never echoing it:
 * it may be a keystore).
 */
export function jsonInput(input: unknown, fail: () => Error): unknown {
  if (typeof input !== 'string') return input
  try {
    return JSON.parse(input)
  } catch {
    throw fail()
  }
}
