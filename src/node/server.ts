import { constants } from 'node:crypto'
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http'
import { createServer as createHttpsServer, type ServerOptions } from 'node:https'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { prpcFastPathOf } from './prpc.js'

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

/**
 * TLS options for a prpc service (the KMS, where booting apps open a new connection each): no stateless session
 * tickets. OpenSSL 3 makes each ticket by re-encoding and re-decoding the session, the peer's RA-TLS certificate
 * included, twice per handshake (~0.4 ms of server CPU here, measured in `npm run bench kms`). Nothing is lost:
 * this server keeps no session cache, our attested clients never resume (maxCachedSessions: 0), and every
 * connection is a full handshake whose client certificate PeerVerifier checks. (TLS 1.3 still sends stateful
 * tickets, which name a session this server does not keep: they cannot resume either.)
 */
function withoutTickets(tls: ServerOptions): ServerOptions {
  return { ...tls, secureOptions: (tls.secureOptions ?? 0) | constants.SSL_OP_NO_TICKET }
}

// biome-ignore lint/suspicious/noExplicitAny: Hono apps with any env bindings are served the same way
type AnyHono = Hono<any>

/** Serve a Hono app on a real socket: plain HTTP, or HTTPS when `tls` options are given. */
export async function listen(app: AnyHono, addr: string, tls?: ServerOptions): Promise<Listening> {
  const { host, port } = parseListen(addr)
  const adapter = getRequestListener(app.fetch)
  // prpc apps answer their method calls without the adapter (prpcFastPath.ts); the rest goes through hono
  const fast = prpcFastPathOf(app)
  const handler: RequestListener = fast
    ? (req, res) => {
        if (!fast(req, res)) void adapter(req, res)
      }
    : adapter
  const server: Server = tls
    ? createHttpsServer(fast ? withoutTickets(tls) : { ...tls }, handler)
    : createHttpServer(handler)
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
