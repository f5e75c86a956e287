import { sha384 } from '@noble/hashes/sha2.js'
import { concatBytes, utf8ToBytes } from '../../crypto/index.js'

/**
 * The simulated TEE: an INSECURE development platform that emits real TDX v4 quote bytes signed by a
 * locally generated "vendor" CA. Anyone with the CA key can forge any identity, so production nodes
 * must never trust it (`[attestation] trust_simulated = false`, the default).
 */

/** header.qe_vendor_id of every simulated quote: ASCII "CUSTOS-SIMULATED" (16 bytes). */
export const SIMULATED_QE_VENDOR_ID = utf8ToBytes('CUSTOS-SIMULATED')

/** Intel SGX PCK certificate extension (real OID, real encoding). */
export const SGX_EXTENSION_OID = '1.2.840.113741.1.13.1'

/**
 * Simulated TCB verdict extension: SEQUENCE { UTF8String tcbStatus, SEQUENCE OF UTF8String advisoryIds }.
 * A UUID-style OID (2.25.<128-bit random>) generated once for Custos; it has no meaning outside it.
 */
export const SIMULATED_TCB_OID = '2.25.277295730167159337546365885786600770598'

export const SIMULATED_ROOT_CN = 'Custos SIMULATED TEE Root CA (INSECURE)'
export const SIMULATED_PCK_CN = 'Custos SIMULATED PCK Certificate (INSECURE)'
export const SIMULATED_ORG = 'Custos SIMULATED TEE (INSECURE, development only)'

/** td_attributes bit 28 (byte 3, bit 4): SEPT_VE_DISABLE, which dcap-qvl requires. */
export const TD_ATTR_SEPT_VE_DISABLE_BYTE = 3
export const TD_ATTR_SEPT_VE_DISABLE_BIT = 0x10
/** td_attributes bit 0: DEBUG. */
export const TD_ATTR_DEBUG_BIT = 0x01

/** Simulated PCE id / FMSPC / SGX type written into the SGX extension. */
export const SIMULATED_PCE_ID = Uint8Array.of(0x00, 0x00)
export const SIMULATED_FMSPC = Uint8Array.of(0x5c, 0x5c, 0x00, 0x00, 0x00, 0x00)

export type SimulatedRegister = 'mrtd' | 'rtmr0' | 'rtmr1' | 'rtmr2'

/**
 * The simulated boot measurements: MRTD = sha384("custos-simulated-mrtd:" ‖ os_image_hash), RTMR0..2 likewise
 * with labels "custos-simulated-rtmr0:" etc. A verifier recomputes them from the vm_config's os_image_hash —
 * our stand-in for dstack's OS-image verification.
 */
export function simulatedMeasurement(reg: SimulatedRegister, osImageHash: Uint8Array): Uint8Array {
  return sha384(concatBytes(utf8ToBytes(`custos-simulated-${reg}:`), osImageHash))
}
