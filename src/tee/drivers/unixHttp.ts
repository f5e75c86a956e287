import { request } from 'node:http'

export interface UnixHttpResponse {
  status: number
  body: string
}

const MAX_RESPONSE = 16 * 1024 * 1024

/** POST a JSON body over HTTP/1.1 on a unix socket (the dstack guest agent convention). Rejects with the raw error. */
export function postUnixJson(
  socketPath: string,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<UnixHttpResponse> {
  const payload = Buffer.from(JSON.stringify(body))
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        path,
        method: 'POST',
        headers: { host: 'dstack', 'content-type': 'application/json', 'content-length': payload.length },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (c: Buffer) => {
          size += c.length
          if (size > MAX_RESPONSE) req.destroy(new RangeError(`response larger than ${MAX_RESPONSE} bytes`))
          else chunks.push(c)
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
    req.end(payload)
  })
}
