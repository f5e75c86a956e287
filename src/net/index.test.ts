import { expect, it } from 'vitest'
import * as net from './index.js'

it('public surface of net/', () => {
  expect(Object.keys(net).sort()).toMatchInlineSnapshot(`
    [
      "CollateralCache",
      "INTEL_PCS_URL",
      "INTEL_ROOT_CA_CRL_URL",
      "NetError",
      "PccsError",
      "PeerVerifier",
      "RATLS_OID",
      "RATLS_USAGES",
      "checkHostHeader",
      "collateralProviderFor",
      "collateralTargetOf",
      "createAttestedClient",
      "createPccsClient",
      "createRaTlsCertificate",
      "createRaTlsIdentity",
      "decodeRaTlsExtensionValue",
      "encodeRaTlsExtensionValue",
      "fetchPeerCertificate",
      "isJsonContentType",
      "isLoopbackHost",
      "legacyToAttestation",
      "raTlsExtensions",
      "raTlsReportData",
      "readRaTlsCertificate",
      "requireJsonContentType",
      "tlsServerOptions",
      "verifyRaTlsCertificate",
    ]
  `)
})
