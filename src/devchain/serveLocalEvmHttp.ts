import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ChainError } from '../chain/index.js'
import type { LocalEvm } from './startLocalEvm.js'

export interface LocalEvmHttpOptions {
  /** default 0 (an ephemeral port) */
  port?: number
  /** default 127.0.0.1 (loopback only: the dev keys are owned by the node, anyone reaching it can spend) */
  host?: string
  /** request body limit in bytes; default 5 MiB */
  maxBodyBytes?: number
}

export interface LocalEvmHttp {
  url: string
  port: number
  close(): Promise<void>
}

/** Expose a LocalEvm as JSON-RPC over HTTP (single and batch requests), for code that takes an RPC URL. */
export async function serveLocalEvmHttp(evm: LocalEvm, opts: LocalEvmHttpOptions = {}): Promise<LocalEvmHttp> {
  const host = opts.host ?? '127.0.0.1'
  const limit = opts.maxBodyBytes ?? 5 * 1024 * 1024
  const server = createServer((req, res) => {
    void serve(evm, req, res, limit)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new ChainError('CHAIN_EVM_FAILED', `cannot listen on ${host}:${opts.port ?? 0}`, {}, { cause: e })),
    )
    server.listen(opts.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

interface RpcRequest {
  id?: unknown
  method?: unknown
  params?: unknown
}

async function serve(evm: LocalEvm, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  const reply = (status: number, body: unknown) => {
    const text = JSON.stringify(body)
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
    res.end(text)
  }
  if (req.method !== 'POST')
    return reply(405, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'POST only' } })
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > limit)
      return reply(413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'body too large' } })
    chunks.push(c as Buffer)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    return reply(200, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
  }
  const one = async (r: RpcRequest) => {
    if (!r || typeof r.method !== 'string') {
      return { jsonrpc: '2.0', id: r?.id ?? null, error: { code: -32600, message: 'invalid request' } }
    }
    try {
      return await evm.handle({ id: r.id ?? null, method: r.method, params: r.params ?? [] })
    } catch (e) {
      const message = e instanceof ChainError ? e.shortMessage : 'internal error'
      return { jsonrpc: '2.0', id: r.id ?? null, error: { code: -32603, message } }
    }
  }
  if (Array.isArray(parsed)) {
    const out = []
    for (const r of parsed) out.push(await one(r as RpcRequest))
    return reply(200, out)
  }
  return reply(200, await one(parsed as RpcRequest))
}
