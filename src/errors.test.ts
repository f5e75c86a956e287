import { describe, expect, it } from 'vitest'
import { CustosError, defineErrors, httpErrorOf, jsonErrorBody } from './errors.js'

const TestError = defineErrors('TestError', { TEST_REFUSED: 412, TEST_DOWN: 503 })

describe('httpErrorOf (the one HTTP error mapping)', () => {
  it('a CustosError answers with its own status, code and short message', () => {
    const e = httpErrorOf(new TestError('TEST_REFUSED', 'refused: try again', { id: 1 }))
    expect(e).toEqual({ status: 412, code: 'TEST_REFUSED', message: 'refused: try again' })
    expect(jsonErrorBody(e)).toEqual({ error: 'refused: try again', code: 'TEST_REFUSED' })
    expect(httpErrorOf(new TestError('TEST_DOWN', 'down')).status).toBe(503)
    expect(httpErrorOf(new CustosError('ODD', 200, 'not an error status')).status).toBe(400)
  })

  it('anything else is a bare 500 with a fresh error id, never its own text', () => {
    const a = httpErrorOf(new Error('secret detail'))
    const b = httpErrorOf('a string')
    expect(a).toMatchObject({ status: 500, code: 'INTERNAL', message: 'internal error' })
    expect(a.errorId).toMatch(/^[0-9a-f-]{36}$/)
    expect(b.errorId).not.toBe(a.errorId)
    expect(jsonErrorBody(a)).toEqual({ error: 'internal error', error_id: a.errorId })
    expect(JSON.stringify(jsonErrorBody(a))).not.toContain('secret')
  })
})
