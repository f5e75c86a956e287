/**
 * Guards for plain-HTTP listeners a web browser on the same machine can reach (the onboard API, the guest
 * agent's TCP port). Two attacks matter there:
 *   - cross-site request forgery: any page can POST `text/plain`, form or empty-typed bodies without a CORS
 *     preflight, so a state-changing call must carry `Content-Type: application/json` (which needs one);
 *   - DNS rebinding: a page on `attacker.example` whose name re-resolves to 127.0.0.1 reads our answers as
 *     same-origin, but its requests still say `Host: attacker.example`, so a loopback listener accepts only
 *     loopback names in the Host header.
 */
import { NetError } from './errors.js'

/** True for an address only this machine can reach: 127.0.0.0/8, ::1 (IPv4-mapped too) or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  )
}

/** The host name of a Host header without its port (IPv6 keeps its brackets), lowercased; undefined if malformed. */
function hostNameOf(header: string): string | undefined {
  const v = header.trim().toLowerCase()
  if (v.startsWith('[')) {
    const end = v.indexOf(']')
    if (end < 0 || !/^(:\d{1,5})?$/.test(v.slice(end + 1))) return undefined
    return v.slice(0, end + 1)
  }
  return /^([^:\s]+)(:\d{1,5})?$/.exec(v)?.[1]
}

/**
 * For a listener bound to `listenHost`: when that is a loopback address, the Host header must name
 * localhost, 127.0.0.1, [::1] or the bound address itself (any port). Throws NET_HOST_NOT_ALLOWED (403).
 * Listeners on other addresses are not checked (their names are not known here).
 */
export function checkHostHeader(hostHeader: string | undefined, listenHost: string): void {
  if (!isLoopbackHost(listenHost)) return
  const bound = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost
  const allowed = new Set(['localhost', '127.0.0.1', '[::1]', bound.toLowerCase()])
  const name = hostHeader === undefined ? undefined : hostNameOf(hostHeader)
  if (name !== undefined && allowed.has(name)) return
  const shown = hostHeader === undefined ? 'missing' : JSON.stringify(hostHeader.slice(0, 100))
  throw new NetError(
    'NET_HOST_NOT_ALLOWED',
    `Host header ${shown} is not allowed on this loopback listener: use localhost, 127.0.0.1 or [::1] ` +
      '(other names are refused to stop DNS-rebinding attacks from web pages)',
  )
}

/** `application/json`, with or without parameters such as `; charset=utf-8`. */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  return (contentType ?? '').split(';', 1)[0]?.trim().toLowerCase() === 'application/json'
}

/** Throws NET_JSON_REQUIRED (415) unless the request says `Content-Type: application/json`. */
export function requireJsonContentType(contentType: string | null | undefined, what = 'this call'): void {
  if (isJsonContentType(contentType)) return
  throw new NetError(
    'NET_JSON_REQUIRED',
    `${what} needs Content-Type: application/json (other content types are refused: a web page could send ` +
      'them cross-site)',
  )
}
