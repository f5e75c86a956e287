/** What `fn` throws, or undefined when it returns. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e ?? new Error(String(e))
  }
  return undefined
}

/**
 * The `code` of what `fn` throws (a Custos error's stable code), `untyped:<name>: <message>` for a thrown value
 * without one (so a test expecting a code fails with the real cause), and undefined when `fn` returns.
 */
export function codeOf(fn: () => unknown): string | undefined {
  const e = thrown(fn)
  return e === undefined ? undefined : codeOfError(e)
}

/** As `codeOf`, for a promise (or a function returning one). */
export async function codeOfAsync(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    return codeOfError(e)
  }
  return undefined
}

function codeOfError(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code === 'string') return code
  return e instanceof Error ? `untyped:${e.name}: ${e.message}` : `untyped:${String(e)}`
}
