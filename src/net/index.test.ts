import { expect, it } from 'vitest'
import * as net from './index.js'

it('public surface of net/', () => {
  expect(Object.keys(net).sort()).toMatchInlineSnapshot(`
    [
      "NetError",
      "PeerVerifier",
      "RATLS_OID",
      "RATLS_USAGES",
      "createAttestedClient",
      "createRaTlsCertificate",
      "createRaTlsIdentity",
      "decodeRaTlsExtensionValue",
      "encodeRaTlsExtensionValue",
      "fetchPeerCertificate",
      "legacyToAttestation",
      "raTlsExtensions",
      "raTlsReportData",
      "readRaTlsCertificate",
      "tlsServerOptions",
      "verifyRaTlsCertificate",
    ]
  `)
})
