import { describe, expect, it } from 'vitest'
import { parseServiceUrl, redactUrl } from './serviceUrl.js'

const fail = (message: string) => Object.assign(new Error(message), { code: 'BAD_URL' })
const opts = { what: 'the test URL', protocols: ['http:', 'https:'] as const, expected: 'http(s)://host/', fail }

describe('service URLs', () => {
  it('redacts credentials, query and fragment; never returns unparseable text', () => {
    expect(redactUrl('https://user:secret@h.example:8545/rpc?key=secret#x')).toBe('https://h.example:8545/rpc')
    expect(redactUrl('not a url with secret')).toBe('(invalid URL)')
  })

  it('moves user:pass@ into a Basic authorization header and keeps the URL as configured', () => {
    const u = parseServiceUrl('https://al%20ice:p%40ss@h.example/auth?x=1', opts)
    expect(u.base.href).toBe('https://h.example/auth?x=1')
    expect(u.authorization).toBe(`Basic ${Buffer.from('al ice:p@ss').toString('base64')}`)
    expect(u.url.username).toBe('al%20ice')
    expect(u.redacted).toBe('https://h.example/auth')
    expect(parseServiceUrl('http://h.example', opts).authorization).toBeUndefined()
  })

  it('refuses other schemes and non-URLs without echoing the input', () => {
    expect(() => parseServiceUrl('ftp://user:secret@h.example/', opts)).toThrow(
      'the test URL ftp://h.example/ must use http:// or https://',
    )
    expect(() => parseServiceUrl('secret nonsense', opts)).toThrow(
      'the test URL is not a valid URL: expected http(s)://host/',
    )
    expect(() => parseServiceUrl('http://h.example/', { ...opts, protocols: ['https:'] })).toThrow(
      /must use https:\/\/$/,
    )
  })
})
