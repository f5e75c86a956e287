import { KmsError } from './errors.js'
import { rpcMethod } from './rpcMethod.js'
import { ClearImageCacheInput } from './wire.js'

/**
 * dstack's `remove_cache` key rule: "" leaves the cache alone, "all" wipes it, anything else names one entry and
 * must be hex (which keeps a deletion inside the cache directory: no "..", no "/"). dstack wraps the refusal as
 * `failed to clear <which> cache: invalid cache key` (anyhow context, formatted with `{:#}`); so do we, so that
 * tooling matching dstack's text keeps working.
 * @throws KmsError KMS_INVALID_CACHE_KEY
 */
export function checkCacheKey(key: string, which: 'image' | 'measurement'): void {
  if (key === '' || key === 'all' || /^[0-9a-fA-F]+$/.test(key)) return
  throw new KmsError('KMS_INVALID_CACHE_KEY', `failed to clear ${which} cache: invalid cache key`, { what: which })
}

/**
 * `Admin.ClearImageCache` (dstack kms/src/admin_service.rs), served only on the admin listener behind the admin
 * token. dstack keeps downloaded OS images and the measurements computed from them (`images/`, `measurements/`
 * under its image cache dir) to verify an app's boot measurements. Custos keeps no such cache: it never downloads
 * an OS image; the os_image_hash of a caller's verified identity is matched against the policy's allow-list. So there is nothing to clear, and the method only validates its input
 * exactly as dstack does (image_hash first, then config_hash) and answers `{}`, for tools written against dstack.
 */
export const clearImageCache = () =>
  rpcMethod({
    name: 'ClearImageCache',
    input: ClearImageCacheInput,
    async run(input): Promise<Record<string, never>> {
      checkCacheKey(input.image_hash, 'image')
      checkCacheKey(input.config_hash, 'measurement')
      return {}
    },
  })
