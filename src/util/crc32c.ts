/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as PostgreSQL's pg_crc32c computes it:
 * INIT_CRC32C 0xFFFFFFFF, COMP_CRC32C over the bytes, FIN_CRC32C xor 0xFFFFFFFF. pg_rman records
 * it for each stored file (file_database.txt, printed `%u`). Slicing-by-8 tables: fast enough to
 * re-read a whole backup.
 */
const TABLES: Uint32Array[] = (() => {
  const t: Uint32Array[] = Array.from({ length: 8 }, () => new Uint32Array(256))
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
    t[0]![i] = c >>> 0
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) t[s]![i] = ((t[s - 1]![i]! >>> 8) ^ t[0]![t[s - 1]![i]! & 0xff]!) >>> 0
  }
  return t
})()

/** a running CRC-32C: `update` as bytes arrive, `digest` once at the end */
export class Crc32c {
  private crc = 0xffffffff

  update(bytes: Uint8Array): this {
    const [t0, t1, t2, t3, t4, t5, t6, t7] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array]
    let c = this.crc
    let i = 0
    const n = bytes.length
    for (; i + 8 <= n; i += 8) {
      const a = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0
      c =
        t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^
        t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!
    }
    for (; i < n; i++) c = t0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
    this.crc = c >>> 0
    return this
  }

  /** the finished value as an unsigned 32-bit number */
  digest(): number {
    return (this.crc ^ 0xffffffff) >>> 0
  }
}

export function crc32c(bytes: Uint8Array): number {
  return new Crc32c().update(bytes).digest()
}
