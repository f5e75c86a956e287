/** The strict DER reader lives in crypto/ (one owner per format); the DCAP modules read it through here. */
import { type DerTlv, der } from '../../crypto/index.js'

export type Tlv = DerTlv
export const {
  DerError,
  TAG,
  bitStringOf,
  children,
  content,
  expectTag,
  oidOf,
  readTlv,
  readTop,
  serialHexOf,
  smallIntOf,
  timeOf,
  whole,
} = der
export type DerError = InstanceType<typeof DerError>
