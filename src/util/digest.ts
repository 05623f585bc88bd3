/** size, CRC-32C and sha256 of a file's bytes, read once in a stream */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Crc32c } from './crc32c.js'

export interface FileDigest {
  readonly sizeBytes: number
  /** CRC-32C as an unsigned 32-bit number (pg_rman's file lists) */
  readonly crc32c: number
  readonly sha256: string
}

/** undefined when the file does not exist; other read errors throw */
export async function loadFileDigest(file: string): Promise<FileDigest | undefined> {
  const sha = createHash('sha256')
  const crc = new Crc32c()
  let sizeBytes = 0
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      const b = chunk as Buffer
      sha.update(b)
      crc.update(b)
      sizeBytes += b.length
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  return { sizeBytes, crc32c: crc.digest(), sha256: sha.digest('hex') }
}
