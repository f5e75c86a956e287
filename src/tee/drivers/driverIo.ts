import { mkdir, open, rmdir, writeFile } from 'node:fs/promises'

/**
 * The file operations the configfs / pseudo-filesystem drivers use. The default talks to the real filesystem;
 * tests pass a "fake kernel" that performs the same operations in a temp dir plus the kernel's side effects.
 */
export interface DriverIo {
  /** read to EOF (configfs/sysfs sizes from stat() are not the content length) */
  readFile(path: string): Promise<Uint8Array>
  /** one write of the whole buffer (binary configfs attributes take a single write) */
  writeFile(path: string, data: Uint8Array): Promise<void>
  mkdir(path: string): Promise<void>
  rmdir(path: string): Promise<void>
}

const MAX_READ = 1 << 20

async function readAll(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r')
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const buf = Buffer.alloc(65536)
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      chunks.push(buf.subarray(0, bytesRead))
      total += bytesRead
      if (total > MAX_READ) throw new RangeError(`${path} is larger than ${MAX_READ} bytes`)
    }
    return new Uint8Array(Buffer.concat(chunks))
  } finally {
    await fh.close()
  }
}

export const nodeDriverIo: DriverIo = {
  readFile: readAll,
  writeFile: (path, data) => writeFile(path, data),
  mkdir: async (path) => {
    await mkdir(path)
  },
  rmdir: (path) => rmdir(path),
}

/** errno code of a Node fs error, or ''. */
export const errnoOf = (e: unknown): string => ((e as NodeJS.ErrnoException | null)?.code as string | undefined) ?? ''
