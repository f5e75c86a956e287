export { concatBytes, equalBytes, isZero, padRight, utf8ToBytes } from './bytes.js'
export { fromHex, isHex, toHex } from './hex.js'
export { ScaleError, ScaleReader, ScaleWriter } from './scale.js'
export { SecretBytes } from './secretBytes.js'
