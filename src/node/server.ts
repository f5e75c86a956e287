import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'

export interface Listening {
  server: Server
  /** base URL, e.g. https://127.0.0.1:8000 */
  url: string
  port: number
  close(): Promise<void>
}

/** Split "host:port" (IPv6 in brackets). */
export function parseListen(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':')
  const host = addr.slice(0, i).replace(/^\[(.*)\]$/, '$1')
  return { host, port: Number(addr.slice(i + 1)) }
}

// biome-ignore lint/suspicious/noExplicitAny: Hono apps with any env bindings are served the same way
type AnyHono = Hono<any>

/** Serve a Hono app on a real socket: plain HTTP, or HTTPS when `tls` options are given. */
export async function listen(app: AnyHono, addr: string, tls?: ServerOptions): Promise<Listening> {
  const { host, port } = parseListen(addr)
  const handler = getRequestListener(app.fetch)
  const server: Server = tls ? createHttpsServer({ ...tls }, handler) : createHttpServer(handler)
  server.keepAliveTimeout = 30_000
  await new Promise<void>((res, rej) => {
    server.once('error', rej)
    server.listen(port, host, () => {
      server.off('error', rej)
      res()
    })
  })
  const bound = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    server,
    port: bound,
    url: `${tls ? 'https' : 'http'}://${shownHost}:${bound}`,
    close: () =>
      new Promise<void>((res) => {
        server.close(() => res())
        server.closeAllConnections()
      }),
  }
}
