import { chmodSync, lstatSync, unlinkSync } from 'node:fs'
import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { getRequestListener } from '@hono/node-server'
import type { Hono } from 'hono'
import { CustosError, httpErrorOf, jsonErrorBody } from '../errors.js'
import { checkHostHeader, requireJsonContentType } from '../net/index.js'
import { AgentError } from './errors.js'
import { asciiJsonText } from './guestApi.js'

export interface GuestListenOptions {
  /** unix socket path (dstack: /var/run/dstack.sock); created with mode 0600, a stale socket there is replaced */
  socketPath?: string
  /** TCP port for the HTTP endpoint (0 = ephemeral); omitted = no TCP listener */
  port?: number
  /** TCP host (default 127.0.0.1: the internal guest API hands out keys, so it must never leave loopback) */
  host?: string
}

export interface GuestListeners {
  socketPath?: string
  /** `http://host:port` when a TCP listener is open */
  httpUrl?: string
  close(): Promise<void>
}

function removeStaleSocket(path: string): void {
  let st: ReturnType<typeof lstatSync>
  try {
    st = lstatSync(path)
  } catch {
    return
  }
  if (!st.isSocket())
    throw new AgentError('AGENT_LISTEN_FAILED', `${path} exists and is not a socket; refusing to replace it`)
  unlinkSync(path)
}

function listenOn(server: Server, bind: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(new AgentError('AGENT_LISTEN_FAILED', `cannot listen (${e.code ?? 'error'})`, {}, { cause: e }))
    server.once('error', onError)
    server.once('listening', () => {
      server.off('error', onError)
      resolve()
    })
    bind()
  })
}

/** Bind the socket with umask 0177 so it is never reachable by others, even before the chmod. */
function withPrivateUmask(fn: () => void): void {
  let old: number | undefined
  try {
    old = process.umask(0o177)
  } catch {
    // worker threads cannot change the umask; the chmod below still applies
  }
  try {
    fn()
  } finally {
    if (old !== undefined) process.umask(old)
  }
}

/**
 * The TCP port is reachable from web pages in a local browser (the unix socket is not): a POST needs
 * `Content-Type: application/json` (no cross-site form or text/plain request), and on a loopback address the
 * Host header must be a loopback name (no DNS rebinding). Refusals are JSON `{"error", "code"}`.
 */
function browserGuarded(listener: RequestListener, listenHost: string): RequestListener {
  return (req, res) => {
    try {
      checkHostHeader(req.headers.host, listenHost)
      if (req.method !== 'GET' && req.method !== 'HEAD')
        requireJsonContentType(req.headers['content-type'], `${req.method} on the guest API's TCP port`)
    } catch (e) {
      if (!(e instanceof CustosError)) throw e
      const answer = httpErrorOf(e)
      const body = asciiJsonText(jsonErrorBody(answer))
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'content-length': body.length,
        connection: 'close',
      })
      res.end(body)
      return
    }
    listener(req, res)
  }
}

const closeServer = (s: Server) =>
  new Promise<void>((resolve) => {
    s.close(() => resolve())
    s.closeAllConnections()
  })

/** Serve `app` on a unix socket and/or a loopback TCP port. */
export async function serveGuestApi(app: Hono, opts: GuestListenOptions): Promise<GuestListeners> {
  if (opts.socketPath === undefined && opts.port === undefined)
    throw new AgentError('AGENT_LISTEN_FAILED', 'give a socket path, a port, or both')
  const listener = getRequestListener(app.fetch)
  const servers: Server[] = []
  const out: GuestListeners = {
    close: async () => {
      await Promise.all(servers.map(closeServer))
      if (out.socketPath) {
        try {
          removeStaleSocket(out.socketPath)
        } catch {
          // not ours any more
        }
      }
    },
  }
  try {
    if (opts.socketPath !== undefined) {
      const path = opts.socketPath
      removeStaleSocket(path)
      const s = createServer(listener)
      servers.push(s)
      await listenOn(s, () => withPrivateUmask(() => s.listen(path)))
      chmodSync(path, 0o600)
      out.socketPath = path
    }
    if (opts.port !== undefined) {
      const host = opts.host ?? '127.0.0.1'
      const s = createServer(browserGuarded(listener, host))
      servers.push(s)
      await listenOn(s, () => s.listen(opts.port, host))
      const a = s.address() as AddressInfo
      out.httpUrl = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
    }
  } catch (e) {
    await out.close()
    throw e
  }
  return out
}
