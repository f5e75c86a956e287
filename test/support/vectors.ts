import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

/** ../shared/vectors beside the repo (never copied into it), found from this file, not the working directory. */
export const VECTORS = resolve(import.meta.dirname, '../../../shared/vectors')

/** The bytes of a vector, `rel` under VECTORS (e.g. `dcap/tdx_quote`). */
export const readVector = (rel: string): Uint8Array => new Uint8Array(readFileSync(resolve(VECTORS, rel)))
