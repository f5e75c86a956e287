import type { z } from 'zod'
import type { Identity } from '../attestation/index.js'

/** The attested peer of a TLS connection, as the node's TLS layer verified it. */
export interface RpcPeer {
  identity: Identity
  /** SPKI DER of the peer's certificate key */
  spki: Uint8Array
  /** the peer certificate, DER (for the temp CA issuer check) */
  certDer?: Uint8Array
  usage?: string
  appId?: Uint8Array
}

/** What a handler may ask of the transport: the verified peer (lazily; only trusted RPCs need it). */
export interface RpcCall {
  peer(): Promise<RpcPeer | undefined>
}

/**
 * One prpc method (dstack convention: `/prpc/<Method>?json`, snake_case JSON, bytes as hex).
 * `input` is the zod schema of the JSON body; `run` returns the JSON-ready response, of type `O` (its wire type).
 */
export interface RpcMethod<S extends z.ZodTypeAny = z.ZodTypeAny, O = unknown> {
  name: string
  input: S
  /**
   * No side effects: on listeners a browser can reach (onboard) it may also be called by GET or without
   * `Content-Type: application/json`; every other method there needs a JSON POST (CSRF).
   */
  readOnly?: boolean
  run(input: z.infer<S>, call: RpcCall): Promise<O>
}

/** Declares a method, keeping its input schema and response type; a list of methods is an `RpcMethod[]`. */
export const rpcMethod = <S extends z.ZodTypeAny, O>(m: RpcMethod<S, O>): RpcMethod<S, O> => m
