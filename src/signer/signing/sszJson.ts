import {
  BitArrayType,
  BooleanType,
  ByteArrayType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  type Type,
  UintBigintType,
  UintNumberType,
  VectorBasicType,
  VectorCompositeType,
} from '@chainsafe/ssz'
import { SignerError } from '../errors.js'

/**
 * Lodestar's SSZ types decode uint64 as JS numbers and refuse values above 2^53, and @chainsafe/ssz's JSON
 * decoders are lenient (BigInt(" 0x1") parses, bad hex digits become 0). For signing we want every uint64 exact
 * and every malformed field refused, so payloads go through:
 * - `exactUint64(type)`: a structurally identical type tree (same fields, limits, JSON casing, hence the same
 *   hash_tree_root) whose 8-byte uints are `UintBigintType`;
 * - `parseSszJson(type, json)`: a strict walk of the beacon-API JSON (decimal strings for uints, 0x-hex for
 *   bytes and bitfields, exact vector lengths, list limits) before `type.fromJson`.
 */

// biome-ignore lint/suspicious/noExplicitAny: ssz types are generic over their value; this cache is keyed by identity
type AnyType = Type<any>

const exactCache = new WeakMap<AnyType, AnyType>()

/** The value type changes (uint64 fields become bigint), so the result is typed loosely on purpose. */
export function exactUint64(type: AnyType): AnyType {
  return convert(type)
}

function convert(t: AnyType): AnyType {
  const hit = exactCache.get(t)
  if (hit) return hit
  let out: AnyType = t
  if (t instanceof UintNumberType && t.byteLength === 8) {
    out = new UintBigintType(8)
  } else if (t instanceof ContainerType) {
    const fields: Record<string, AnyType> = {}
    for (const { fieldName, fieldType } of t.fieldsEntries) fields[String(fieldName)] = convert(fieldType as AnyType)
    out = new ContainerType(fields, t.opts as ConstructorParameters<typeof ContainerType>[1])
  } else if (t instanceof ListCompositeType) {
    out = new ListCompositeType(convert(t.elementType) as never, t.limit)
  } else if (t instanceof ListBasicType) {
    // biome-ignore lint/suspicious/noExplicitAny: element type of a basic list
    out = new ListBasicType(convert(t.elementType) as any, t.limit)
  } else if (t instanceof VectorCompositeType) {
    out = new VectorCompositeType(convert(t.elementType) as never, t.length)
  } else if (t instanceof VectorBasicType) {
    // biome-ignore lint/suspicious/noExplicitAny: element type of a basic vector
    out = new VectorBasicType(convert(t.elementType) as any, t.length)
  }
  exactCache.set(t, out)
  return out
}

const HEX = /^0x([0-9a-fA-F]{2})*$/
const DECIMAL = /^(0|[1-9]\d{0,77})$/

function bad(path: string, what: string): never {
  throw new SignerError('SIGNER_BAD_PAYLOAD', `${path || 'payload'}: ${what}`, { path })
}

function check(t: AnyType, json: unknown, path: string): void {
  if (t instanceof UintBigintType || t instanceof UintNumberType) {
    if (typeof json !== 'string' || !DECIMAL.test(json)) bad(path, 'expected an unsigned integer as a decimal string')
    if (BigInt(json) >> BigInt(t.byteLength * 8) !== 0n) bad(path, `does not fit in uint${t.byteLength * 8}`)
  } else if (t instanceof BooleanType) {
    if (typeof json !== 'boolean') bad(path, 'expected true or false')
  } else if (t instanceof ByteArrayType || t instanceof BitArrayType) {
    if (typeof json !== 'string' || !HEX.test(json)) bad(path, 'expected 0x-prefixed hex')
  } else if (t instanceof ContainerType) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) bad(path, 'expected an object')
    const obj = json as Record<string, unknown>
    for (const { fieldType, jsonKey } of t.fieldsEntries) {
      const p = path ? `${path}.${jsonKey}` : jsonKey
      if (!(jsonKey in obj)) bad(p, 'missing field')
      check(fieldType as AnyType, obj[jsonKey], p)
    }
  } else if (t instanceof ListBasicType || t instanceof ListCompositeType) {
    if (!Array.isArray(json)) bad(path, 'expected an array')
    if (json.length > t.limit) bad(path, `more than ${t.limit} elements`)
    json.forEach((el, i) => {
      check(t.elementType as AnyType, el, `${path}[${i}]`)
    })
  } else if (t instanceof VectorBasicType || t instanceof VectorCompositeType) {
    if (!Array.isArray(json)) bad(path, 'expected an array')
    if (json.length !== t.length) bad(path, `expected exactly ${t.length} elements`)
    json.forEach((el, i) => {
      check(t.elementType as AnyType, el, `${path}[${i}]`)
    })
  } else {
    bad(path, `unsupported SSZ type ${t.typeName}`)
  }
}

/** Strictly decode beacon-API JSON into a value of `type` (use an `exactUint64` type). Throws SIGNER_BAD_PAYLOAD. */
export function parseSszJson<T>(type: Type<T>, json: unknown, path = ''): T {
  check(type as AnyType, json, path)
  try {
    return type.fromJson(json)
  } catch (err) {
    // lengths of byte vectors / bitfields are checked by ssz itself
    return bad(path, err instanceof Error ? err.message : 'invalid value')
  }
}
