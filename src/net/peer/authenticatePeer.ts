import { CustosError } from '../../errors.js'
import type { PeerVerifier } from '../peerVerifier.js'
import { readRaTlsCertificate } from '../readRaTlsCertificate.js'
import type { PeerIdentity } from '../types.js'
import { type Hello, type HelloRole, helloSigningInput } from './hello.js'
import type { MemberEntry, MemberTable } from './memberTable.js'
import type { AuthorizePeer, DropReason } from './types.js'

export type ConnectionRefusal = Extract<DropReason, 'not_member' | 'attestation' | 'unauthorized' | 'malformed'>
export type Refused = { ok: false; reason: ConnectionRefusal; detail: string }
export type PeerAuthentication = { ok: true; entry: MemberEntry; peer: PeerIdentity } | Refused

const refuse = (reason: ConnectionRefusal, detail: string): Refused => ({ ok: false, reason, detail })
const eq = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0

/**
 * Which member signed this hello for this connection: the id must be a member of the table, the node key its
 * node key, the signature valid over the connection's channel binding (`role` = the side that sent it), and, when
 * `expectedId` is set (client side), the id the one we dialled. Cheap: no evidence is looked at.
 */
export function recogniseHello(
  hello: Hello | undefined,
  role: HelloRole,
  binding: Uint8Array,
  members: MemberTable,
  expectedId?: number,
): MemberEntry | Refused {
  if (!hello) return refuse('malformed', 'the hello is malformed')
  if (expectedId !== undefined && hello.id !== expectedId)
    return refuse('not_member', `the server is participant ${hello.id}, not ${expectedId}`)
  const entry = members.get(hello.id)
  if (!entry) return refuse('not_member', `participant ${hello.id} is not a member of epoch ${members.epoch}`)
  if (!eq(entry.member.nodeKey, hello.nodeKey))
    return refuse('not_member', `the node key is not participant ${hello.id}'s`)
  if (!entry.verify(helloSigningInput(role, binding, hello.signed), hello.signature))
    return refuse('not_member', 'the hello signature does not verify for this connection')
  return entry
}

/**
 * The RA-TLS side of a connection: the certificate's evidence must verify (bound to its TLS key), the TLS key
 * must be the pinned one if the member has a pin, and `authorize` must allow the attested identity for this member.
 */
export async function checkPeerCertificate(
  certDer: Uint8Array | undefined,
  entry: MemberEntry,
  peerVerifier: PeerVerifier,
  authorize: AuthorizePeer,
): Promise<PeerAuthentication> {
  if (!certDer) return refuse('attestation', 'no certificate presented')
  let peer: PeerIdentity
  try {
    const info = readRaTlsCertificate(certDer)
    if (entry.member.tlsSpki && !eq(entry.member.tlsSpki, info.spki))
      return refuse('not_member', `the TLS key is not the one pinned for participant ${entry.member.id}`)
    if (!info.attestation && !info.legacy) return refuse('attestation', 'the certificate carries no attestation')
    peer = await peerVerifier.verifyCertificate(info)
  } catch (e) {
    return refuse('attestation', e instanceof CustosError ? e.code : 'the certificate did not verify')
  }
  let verdict: boolean | string
  try {
    verdict = await authorize(peer, entry.member)
  } catch (e) {
    verdict = e instanceof CustosError ? e.code : 'authorize failed'
  }
  if (verdict !== true) return refuse('unauthorized', typeof verdict === 'string' ? verdict : 'refused by policy')
  return { ok: true, entry, peer }
}
