/**
 * The hello that opens every peer connection and proves which member is at each end of it. Each side signs,
 * with its node key, the TLS exporter value of THIS connection (RFC 8446 §7.5 / RFC 9266 channel binding), so a
 * proof cannot be replayed on another connection, and no certificate field is needed: any RA-TLS identity works.
 *
 * Hello body (109 bytes, big-endian): version 0x01 ‖ participant id u32 ‖ epoch u64 ‖ node public key (32) ‖
 * Ed25519 signature (64) over `HELLO_SIGNING_DOMAIN ‖ role ‖ exporter(32) ‖ bytes[0..45)`, role 0x01 = client
 * (the request), 0x02 = server (the response). Exporter: label `EXPORTER-custos-peer-v1`, no context, 32 bytes.
 */
import type { TLSSocket } from 'node:tls'
import type { NodeSigner } from './nodeKey.js'

/** HTTP/2 paths of the peer server. */
export const HELLO_PATH = '/custos/peer/v1/hello'
/** response header naming the drop reason of a refused hello or envelope */
export const DROP_HEADER = 'x-custos-drop'

export const HELLO_BYTES = 109
export const HELLO_SIGNING_DOMAIN = new TextEncoder().encode('custos/net/peer/hello/v1\0')
export const EXPORTER_LABEL = 'EXPORTER-custos-peer-v1'
export type HelloRole = 'client' | 'server'
const ROLE: Record<HelloRole, number> = { client: 0x01, server: 0x02 }
const VERSION = 0x01

export interface Hello {
  id: number
  epoch: bigint
  nodeKey: Uint8Array
  signature: Uint8Array
  /** bytes [0..45): what the signature covers after domain, role and exporter */
  signed: Uint8Array
}

/** The connection's 32-byte channel binding (same value at both ends of one TLS connection). */
export function channelBinding(socket: Pick<TLSSocket, 'exportKeyingMaterial'>): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, EXPORTER_LABEL, Buffer.alloc(0)))
}

export function helloSigningInput(role: HelloRole, binding: Uint8Array, signed: Uint8Array): Uint8Array {
  const out = new Uint8Array(HELLO_SIGNING_DOMAIN.length + 1 + binding.length + signed.length)
  out.set(HELLO_SIGNING_DOMAIN, 0)
  out[HELLO_SIGNING_DOMAIN.length] = ROLE[role]
  out.set(binding, HELLO_SIGNING_DOMAIN.length + 1)
  out.set(signed, HELLO_SIGNING_DOMAIN.length + 1 + binding.length)
  return out
}

export function encodeHello(p: {
  id: number
  epoch: bigint
  signer: NodeSigner
  role: HelloRole
  binding: Uint8Array
}): Uint8Array {
  const out = new Uint8Array(HELLO_BYTES)
  const v = new DataView(out.buffer)
  out[0] = VERSION
  v.setUint32(1, p.id)
  v.setBigUint64(5, p.epoch)
  out.set(p.signer.publicKey, 13)
  out.set(p.signer.sign(helloSigningInput(p.role, p.binding, out.subarray(0, 45))), 45)
  return out
}

/** Parse a hello; undefined when it is not exactly one (the signature is checked by the caller). */
export function decodeHello(b: Uint8Array): Hello | undefined {
  if (b.length !== HELLO_BYTES || b[0] !== VERSION) return undefined
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength)
  return {
    id: v.getUint32(1),
    epoch: v.getBigUint64(5),
    nodeKey: b.slice(13, 45),
    signature: b.slice(45),
    signed: b.slice(0, 45),
  }
}
