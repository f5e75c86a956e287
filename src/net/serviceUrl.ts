/**
 * URLs of the services a node calls (auth webhook, EVM JSON-RPC, PCCS, a source KMS, the agent's KMS): one parser
 * that checks the scheme without echoing the input, and one redaction for logs and error messages.
 */

/** A service URL as configured, and what is safe to show and to send of it. */
export interface ServiceUrl {
  /** the URL as configured (with any `user:pass@`) */
  url: URL
  /** the URL without `user:pass@`: what a fetch-based client requests (fetch refuses URLs with credentials) */
  base: URL
  /** `Basic …` from the URL's `user:pass@`, or undefined when it has none */
  authorization: string | undefined
  /** scheme://host[:port]/path only (see redactUrl): safe for logs and error messages */
  redacted: string
}

/**
 * A URL safe to log: credentials, query and fragment removed (viem `getUrl` style, stricter). Unparseable input
 * gives a fixed placeholder rather than the raw text, which may hold a token.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}

/**
 * Parse `raw` as the URL of `what` (e.g. "the webhook policy url") with one of `protocols`. Throws `fail(message)`,
 * a message that names the URL only redacted: "<what> is not a valid URL: expected <expected>" or
 * "<what> <redacted> must use https://".
 */
export function parseServiceUrl(
  raw: string,
  opts: {
    what: string
    protocols: ReadonlyArray<'http:' | 'https:'>
    expected: string
    fail: (message: string) => Error
  },
): ServiceUrl {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw opts.fail(`${opts.what} is not a valid URL: expected ${opts.expected}`)
  }
  const redacted = redactUrl(url)
  if (!(opts.protocols as readonly string[]).includes(url.protocol))
    throw opts.fail(`${opts.what} ${redacted} must use ${opts.protocols.map((p) => `${p}//`).join(' or ')}`)
  const base = new URL(url)
  let authorization: string | undefined
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
    authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`
    base.username = ''
    base.password = ''
  }
  return { url, base, authorization, redacted }
}
