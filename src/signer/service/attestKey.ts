import { encodeVersionedAttestation } from '../../attestation/index.js'
import { toHex } from '../../crypto/index.js'
import type { TeePlatform } from '../../tee/index.js'
import { blsKeyReportData } from '../keys/index.js'

/** This TEE's evidence binding a BLS public key (report_data = blsKeyReportData), as hex VersionedAttestation. */
export async function attestKey(tee: TeePlatform, publicKey: Uint8Array): Promise<string> {
  return toHex(encodeVersionedAttestation(await tee.attest(blsKeyReportData(publicKey))))
}
