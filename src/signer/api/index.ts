export { acceptsJson, errorStatus } from './httpErrors.js'
export { DEFAULT_KEYMANAGER_BODY_LIMIT, type KeymanagerAppOptions, keymanagerApp } from './keymanagerApp.js'
export { type SignerTlsOptionsParameters, signerTlsOptions } from './signerTlsOptions.js'
export { DEFAULT_SIGN_BODY_LIMIT, type Web3SignerAppOptions, web3signerApp } from './web3signerApp.js'
