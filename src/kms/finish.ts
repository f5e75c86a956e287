import type { KmsContextOf } from './context.js'
import { KmsError } from './errors.js'
import { rpcMethod } from './rpcMethod.js'
import { EmptyInput } from './wire.js'

/** `Onboard.Finish`: leave the onboard service; the node then serves the KMS over attested TLS. */
export const finish = (kms: KmsContextOf<'ready' | 'requestFinish'>) =>
  rpcMethod({
    name: 'Finish',
    input: EmptyInput,
    async run() {
      if (!kms.ready) throw new KmsError('KMS_NOT_READY', 'no keys yet: call Bootstrap or Onboard first')
      kms.requestFinish()
      return null
    },
  })
