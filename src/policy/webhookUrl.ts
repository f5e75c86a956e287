import { PolicyError } from './errors.js'

/** A dstack auth API base URL, split into what is safe to log and what is sent. */
export interface WebhookUrl {
  /** the base URL without `user:pass@` (what requests go to) */
  base: URL
  /** `Basic …` when the configured URL carried credentials (fetch refuses URLs with credentials) */
  authorization: string | undefined
  /** scheme://host[:port]/path only: no credentials, query or fragment. Safe for logs and error messages. */
  redacted: string
}

/**
 * A URL safe to log: credentials, query and fragment removed (viem `getUrl` style, stricter). Unparseable
 * input gives a fixed placeholder rather than the raw text, which may hold a token.
 */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(invalid URL)'
  }
}

/** Parse and check a webhook URL (http or https). Throws POLICY_BAD_CONFIG without echoing the URL's secrets. */
export function parseWebhookUrl(url: string): WebhookUrl {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    throw new PolicyError(
      'POLICY_BAD_CONFIG',
      'the webhook policy url is not a valid URL: expected http(s)://host:port/',
    )
  }
  const redacted = redactUrl(u)
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new PolicyError('POLICY_BAD_CONFIG', `the webhook policy url ${redacted} must use http:// or https://`)
  let authorization: string | undefined
  if (u.username !== '' || u.password !== '') {
    const user = decodeURIComponent(u.username)
    const pass = decodeURIComponent(u.password)
    authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`
    u.username = ''
    u.password = ''
  }
  return { base: u, authorization, redacted }
}

/**
 * dstack's `url_join(webhook.url, path)`: a `/` is added to the base path if missing, then `path` is
 * resolved against it (so `http://h/auth` + `bootAuth/app` → `http://h/auth/bootAuth/app`). Query dropped.
 */
export function joinWebhookUrl(base: URL, path: string): URL {
  const dir = new URL(base)
  if (!dir.pathname.endsWith('/')) dir.pathname = `${dir.pathname}/`
  return new URL(path, dir)
}
