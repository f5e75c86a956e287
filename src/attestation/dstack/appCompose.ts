/**
 * dstack's canonical app-compose text. dstack OS measures the compose hash over the exact bytes of
 * app-compose.json, and `@phala/dstack-sdk`'s `getComposeHash(obj)` (what app developers and dstack's tooling
 * use to compute the value to allow-list) hashes `JSON.stringify` of the object with keys sorted recursively
 * and NaN/±Infinity as null — no whitespace, no trailing newline. A compose file written any other way
 * gets a compose hash that nobody outside can reproduce from the same settings, so Custos writes composes
 * in this form.
 */
export function canonicalAppCompose(compose: unknown): string {
  return JSON.stringify(sortKeys(compose), (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))
}

/** True when `text` is exactly the canonical form of the JSON it holds. */
export function isCanonicalAppCompose(text: string): boolean {
  try {
    return canonicalAppCompose(JSON.parse(text)) === text
  } catch {
    return false
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k])
    return out
  }
  return v
}
