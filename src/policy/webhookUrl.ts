import { parseServiceUrl, type ServiceUrl } from '../net/index.js'
import { PolicyError } from './errors.js'

/** A dstack auth API base URL: `base` (no credentials) is requested, `authorization` sent, `redacted` logged. */
export type WebhookUrl = Pick<ServiceUrl, 'base' | 'authorization' | 'redacted'>

/** Parse and check a webhook URL (http or https). Throws POLICY_BAD_CONFIG without echoing the URL's secrets. */
export function parseWebhookUrl(url: string): WebhookUrl {
  return parseServiceUrl(url, {
    what: 'the webhook policy url',
    protocols: ['http:', 'https:'],
    expected: 'http(s)://host:port/',
    fail: (message) => new PolicyError('POLICY_BAD_CONFIG', message),
  })
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
