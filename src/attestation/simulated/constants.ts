import { createHash } from 'node:crypto'
import { equalBytes, utf8ToBytes } from '../../crypto/index.js'

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/**
 * The simulated TEE: an INSECURE development platform that emits real TDX v4 quote bytes under a locally
 * generated "vendor" PKI shaped like Intel's (root CA → PCK CA → PCK leaf, TCB signing certificate, CRLs, TCB
 * Info and QE Identity), verified by the same DCAP verifier as real quotes. Anyone with the vendor keys can forge
 * any identity, so production nodes must never trust it (`[attestation] trust_simulated = false`, the default).
 */

/** header.qe_vendor_id of every simulated quote: ASCII "CUSTOS-SIMULATED" (16 bytes). */
export const SIMULATED_QE_VENDOR_ID = utf8ToBytes('CUSTOS-SIMULATED')

/** True when the quote header names the simulated Quoting Enclave vendor (bytes 12..28). */
export function isSimulatedQuote(quote: Uint8Array): boolean {
  return quote.length >= 28 && equalBytes(quote.subarray(12, 28), SIMULATED_QE_VENDOR_ID)
}

/** Intel SGX PCK certificate extension (real OID, real encoding). */
export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

export const SIMULATED_ROOT_CN = 'Custos SIMULATED TEE Root CA (INSECURE)'
export const SIMULATED_PCK_CA_CN = 'Custos SIMULATED PCK Platform CA (INSECURE)'
export const SIMULATED_TCB_SIGNING_CN = 'Custos SIMULATED TCB Signing (INSECURE)'
export const SIMULATED_PCK_CN = 'Custos SIMULATED PCK Certificate (INSECURE)'
export const SIMULATED_ORG = 'Custos SIMULATED TEE (INSECURE, development only)'

/** td_attributes bit 28 (byte 3, bit 4): SEPT_VE_DISABLE, which dcap-qvl requires. */
export const TD_ATTR_SEPT_VE_DISABLE_BYTE = 3
export const TD_ATTR_SEPT_VE_DISABLE_BIT = 0x10
/** td_attributes bit 0: DEBUG. */
export const TD_ATTR_DEBUG_BIT = 0x01

/** Simulated PCE id and the FMSPC of platforms whose TCB is UpToDate with no advisories. */
export const SIMULATED_PCE_ID = Uint8Array.of(0x00, 0x00)
export const SIMULATED_FMSPC = Uint8Array.of(0x5c, 0x5c, 0x00, 0x00, 0x00, 0x00)

/** The simulated Quoting Enclave (label hashes; there is no real QE): its MRENCLAVE, MRSIGNER, ISVPRODID. */
export const SIMULATED_QE_MRENCLAVE = sha256(utf8ToBytes('custos-simulated-quoting-enclave'))
export const SIMULATED_QE_MRSIGNER = sha256(utf8ToBytes('custos-simulated-quoting-enclave-signer'))
export const SIMULATED_QE_ISVPRODID = 2
/** QE report ATTRIBUTES: INIT | MODE64BIT, not DEBUG (as Intel's TD QE). */
export const SIMULATED_QE_ATTRIBUTES = Uint8Array.of(0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

export type SimulatedRegister = 'mrtd' | 'rtmr0' | 'rtmr1' | 'rtmr2'

/** a verifier sees a handful of OS images: their simulated measurements, computed once */
const measured = new Map<string, Uint8Array>()

/**
 * The simulated boot measurements: MRTD = sha384("custos-simulated-mrtd:" ‖ os_image_hash), RTMR0..2 likewise
 * with labels "custos-simulated-rtmr0:" etc. A verifier recomputes them from the vm_config's os_image_hash —
 * our stand-in for dstack's OS-image verification.
 */
export function simulatedMeasurement(reg: SimulatedRegister, osImageHash: Uint8Array): Uint8Array {
  const key = `${reg}:${Buffer.from(osImageHash).toString('hex')}`
  let m = measured.get(key)
  if (!m) {
    m = new Uint8Array(createHash('sha384').update(`custos-simulated-${reg}:`).update(osImageHash).digest())
    if (measured.size >= 256) measured.clear()
    measured.set(key, m)
  }
  return m.slice()
}
