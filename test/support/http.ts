import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'

/** An HTTPS agent for tests that only probe a server's HTTP behaviour (no client cert, no verification). */
export const insecureAgent = new Agent({ rejectUnauthorized: false, keepAlive: false })
/** Fresh connection per request (Node 20's global agent keeps sockets alive across tests). */
const plainAgent = new HttpAgent({ keepAlive: false })

/** One raw HTTP(S) request on loopback; the body is sent exactly as given. */
export function rawRequest(
  url: string,
  opts: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {},
): Promise<{ status: number; text: string; json: () => unknown; headers: Record<string, unknown> }> {
  const u = new URL(url)
  const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
    method: opts.method ?? 'POST',
    headers: opts.headers,
    agent: u.protocol === 'https:' ? insecureAgent : plainAgent,
  })
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, text, json: () => JSON.parse(text), headers: res.headers })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (opts.body !== undefined) req.end(opts.body)
    else req.end()
  })
}
