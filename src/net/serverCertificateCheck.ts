import type { X509Certificate } from 'node:crypto'
import type { TLSSocket } from 'node:tls'
import { isSignedBy, pemToDer } from '../crypto/index.js'
import { NetError } from './errors.js'
import type { PeerVerifier } from './peerVerifier.js'
import { readRaTlsCertificate } from './readRaTlsCertificate.js'
import type { PeerIdentity } from './types.js'

export interface ServerCheckOptions {
  peerVerifier: PeerVerifier
  /** the server's chain must end at this root (dstack guests pin the KMS root CA) */
  pinnedRootCaPem?: string
  /** accept a server certificate without attestation (peer is then undefined); evidence present is still verified */
  allowUnattested?: boolean
  expectedUsage?: string
  /**
   * Decide whether THIS attested server is one to talk to (which KMS, which committee member), after its
   * evidence verified and before any request byte is written. Throw to refuse; the request rejects with it.
   */
  authorizeServer?: (server: AttestedServer) => Promise<void> | void
}

/** The server side of a fresh connection, as `authorizeServer` sees it. */
export interface AttestedServer {
  /** leaf certificate, DER */
  certDer: Uint8Array
  /** certificates the server sent after its leaf, DER */
  chainDer: Uint8Array[]
  /** verified identity; undefined only with `allowUnattested` and an unattested server */
  peer: PeerIdentity | undefined
}

/**
 * The server's leaf certificate once the client-side TLS handshake on `socket` is done.
 * `getPeerX509Certificate()` is called exactly once after the handshake: on a client socket Node (20) removes
 * the leaf from OpenSSL's peer chain when building it, so a second call (or `getPeerCertificate`) sees nothing.
 */
export function serverLeafCertificate(socket: TLSSocket): Promise<X509Certificate> {
  const early = socket.getPeerX509Certificate() // undefined (and nothing consumed) before the handshake
  if (early) return Promise.resolve(early)
  return new Promise((resolve, reject) => {
    const onOk = () => {
      socket.off('close', onClose)
      const x = socket.getPeerX509Certificate()
      if (x) resolve(x)
      else reject(new NetError('NET_BAD_CERT', 'the server presented no certificate'))
    }
    const onClose = () => {
      socket.off('secureConnect', onOk)
      reject(new NetError('NET_UNREACHABLE', 'the TLS connection closed before the handshake finished'))
    }
    socket.once('secureConnect', onOk)
    socket.once('close', onClose)
  })
}

/** DER certificates the server presented after its leaf, in issuer order (Node links them while reading the leaf). */
function presentedChain(leaf: X509Certificate, leafDer: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = []
  let c = leaf.issuerCertificate
  for (let i = 0; i < 8 && c; i++) {
    const der = new Uint8Array(c.raw)
    if (Buffer.compare(der, leafDer) === 0 || out.some((d) => Buffer.compare(d, der) === 0)) break
    out.push(der)
    c = c.issuerCertificate
  }
  return out
}

async function chainsToRoot(leaf: Uint8Array, chain: Uint8Array[], root: Uint8Array): Promise<boolean> {
  if (Buffer.compare(leaf, root) === 0) return true
  let cur = leaf
  for (let hop = 0; hop < 4; hop++) {
    if (await isSignedBy(cur, root)) return true
    let next: Uint8Array | undefined
    for (const c of chain) if (c !== cur && (await isSignedBy(cur, c))) next = c
    if (!next) return false
    cur = next
  }
  return false
}

/**
 * Check the server side of a fresh client connection: pin (if any), then RA-TLS evidence. The certificate is
 * read once here and handed to the PeerVerifier as read (a cached verdict does not read it again).
 */
export async function checkServerCertificate(
  socket: TLSSocket,
  opts: ServerCheckOptions,
): Promise<PeerIdentity | undefined> {
  const x = await serverLeafCertificate(socket)
  const der = new Uint8Array(x.raw)
  const chainDer = presentedChain(x, der)
  if (opts.pinnedRootCaPem) {
    const root = pemToDer(opts.pinnedRootCaPem, 'CERTIFICATE')
    if (!(await chainsToRoot(der, chainDer, root))) {
      throw new NetError('NET_BAD_CERT', 'the server certificate does not chain to the pinned root CA')
    }
  }
  const info = readRaTlsCertificate(der)
  let peer: PeerIdentity | undefined
  if (!info.attestation && !info.legacy) {
    if (!opts.allowUnattested) throw new NetError('NET_NO_ATTESTATION', 'the server certificate carries no attestation')
  } else {
    peer = await opts.peerVerifier.verifyCertificate(info)
  }
  // the PeerVerifier (possibly shared, with its own expectedUsage) checked its usage; this client's is checked here
  if (opts.expectedUsage !== undefined && info.usage !== opts.expectedUsage) {
    throw new NetError('NET_WRONG_USAGE', `the server certificate usage is not "${opts.expectedUsage}"`, {
      expected: opts.expectedUsage,
      actual: info.usage ?? '',
    })
  }
  if (opts.authorizeServer) await opts.authorizeServer({ certDer: der, chainDer, peer })
  return peer
}
