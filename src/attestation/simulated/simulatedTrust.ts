import { createHash } from 'node:crypto'
import type { Collateral } from '../dcap/collateral.js'
import { createDcapVerifier, type DcapEvidenceVerifier } from '../dcap/createDcapVerifier.js'
import { DcapError } from '../dcap/errors.js'
import { type DcapVerdict, parseDcapQuote, pckChainDersOf } from '../dcap/verifyQuote.js'
import type { ParsedQuote } from '../quote/types.js'
import type { EvidenceVerifier, VerifyOptions } from '../types.js'
import { SIMULATED_FMSPC } from './constants.js'
import { sgxExtensionOfCertificate } from './sgxExtension.js'

/** A simulated vendor a node trusts: its root CA and the collateral it issued (ARCHITECTURE.md: dev only changes
 * which roots the verifier trusts). */
export interface SimulatedTrustAnchor {
  /** DER of the simulated vendor's root CA */
  rootCertDer: Uint8Array
  /**
   * The collateral the vendor issued for one FMSPC (12 upper-case hex), or undefined when it has none. Return the
   * same object while it is unchanged: prepared collateral is cached per object.
   */
  collateralFor(fmspc: string): Collateral | undefined | Promise<Collateral | undefined>
}

const fingerprint = (der: Uint8Array) => createHash('sha256').update(der).digest('hex')
const DEFAULT_FMSPC = Buffer.from(SIMULATED_FMSPC).toString('hex').toUpperCase()

/** What the dispatcher reads from a PCK chain: the fingerprint of its last (root) certificate and the leaf's FMSPC. */
interface ChainFacts {
  root: string | undefined
  fmspc: string | undefined
}

function fmspcOfLeaf(leaf: Uint8Array | undefined): string | undefined {
  if (!leaf) return undefined
  try {
    const ext = sgxExtensionOfCertificate(leaf)
    return ext ? Buffer.from(ext.fmspc).toString('hex').toUpperCase() : undefined
  } catch {
    return undefined // the DCAP chain check names what is wrong with the leaf
  }
}

/** The simulated-evidence verifier; `verdict` checks a bare quote (no dstack envelope), as DcapEvidenceVerifier's. */
export interface SimulatedDcapVerifier extends EvidenceVerifier {
  verdict(quote: Uint8Array, opts: VerifyOptions): Promise<DcapVerdict>
}

/**
 * The verifier of simulated evidence: the production DCAP verifier, one instance per trusted simulated root
 * (chosen by the root that ends the quote's PCK chain), each with collateral from its vendor, prepared once per
 * FMSPC. Every DCAP check applies (chain, CRLs, QE report and quote signatures, QE identity, TCB level, TDX
 * module, TD attributes, report_data, RTMR3 replay), plus the simulated boot measurements vs os_image_hash.
 * @throws DcapError
 */
export function createSimulatedDcapVerifier(
  anchors: readonly SimulatedTrustAnchor[],
  opts: { allowDebug?: boolean } = {},
): SimulatedDcapVerifier {
  const byRoot = new Map<string, DcapEvidenceVerifier>()
  // Chain facts by sha256 of the certification data: a known chain is not decoded again.
  const known = new Map<string, ChainFacts>()
  const factsOfQuote = new WeakMap<ParsedQuote, ChainFacts>()
  const factsOf = (q: ParsedQuote): ChainFacts => {
    const data = q.signature.certificationData
    if (data.type !== 5) return { root: undefined, fmspc: undefined }
    const key = createHash('sha256').update(data.data).digest('hex')
    let facts = known.get(key)
    if (!facts) {
      const ders = pckChainDersOf(q)
      const last = ders[ders.length - 1]
      facts = { root: last ? fingerprint(last) : undefined, fmspc: fmspcOfLeaf(ders[0]) }
      if (known.size >= 256) known.clear()
      known.set(key, facts)
    }
    return facts
  }
  for (const anchor of anchors) {
    const rootDer = anchor.rootCertDer.slice()
    const fp = fingerprint(rootDer)
    if (byRoot.has(fp)) continue
    byRoot.set(
      fp,
      createDcapVerifier({
        trustedRootDer: rootDer,
        simulated: true,
        allowDebug: opts.allowDebug ?? false,
        collateralProvider: async (_quote, parsed) => {
          // A leaf that does not parse, or an FMSPC the vendor issued nothing for, is judged against the vendor's
          // default collateral, so the chain check (or the FMSPC check) names what is wrong.
          const fmspc = parsed ? factsOfQuote.get(parsed)?.fmspc : undefined
          const col =
            (fmspc ? await anchor.collateralFor(fmspc) : undefined) ?? (await anchor.collateralFor(DEFAULT_FMSPC))
          if (!col)
            throw new DcapError(
              'DCAP_COLLATERAL_MISSING',
              `the trusted simulated vendor has no collateral (collateral/${fmspc ?? DEFAULT_FMSPC}.json beside its simulated-root-ca.pem); start a node with that vendor_dir once to issue it`,
              { what: 'collateral' },
            )
          return col
        },
      }),
    )
  }
  /** The verifier of the trusted root that ends the quote's PCK chain, with the parsed quote it was chosen by. */
  const route = (quote: Uint8Array): { verifier: DcapEvidenceVerifier; q: ParsedQuote } => {
    const q = parseDcapQuote(quote)
    const facts = factsOf(q)
    factsOfQuote.set(q, facts)
    const verifier = facts.root ? byRoot.get(facts.root) : undefined
    if (!verifier)
      throw new DcapError(
        'DCAP_UNTRUSTED_ROOT',
        "the simulated quote's certificate chain does not end in a simulated root CA this node trusts; add that vendor's simulated-root-ca.pem to [attestation] simulated_roots",
        { what: 'PCK certificate chain' },
      )
    return { verifier, q }
  }
  return {
    async verify(att, vopts) {
      if (att.quote.type !== 'tdx')
        throw new DcapError('DCAP_UNSUPPORTED', 'simulated evidence is a TDX-layout quote', { what: 'quote' })
      const { verifier, q } = route(att.quote.quote)
      return verifier.verify(att, vopts, q)
    },
    async verdict(quote, vopts) {
      const { verifier, q } = route(quote)
      return verifier.verdict(quote, vopts, q)
    },
  }
}
