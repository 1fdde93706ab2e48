// Exit 0 when an ELF64 file still has a symbol table (.symtab, which `strip` removes), 1 when
// it has none. Lets the Dockerfile strip node only when needed, without binutils' `file` or
// `readelf` (node:22-slim has neither). Usage: node elf-has-symbols.mjs FILE
import { closeSync, openSync, readSync } from 'node:fs'

const SHT_SYMTAB = 2
const fd = openSync(process.argv[2], 'r')
const read = (position, length) => {
  const buffer = Buffer.alloc(length)
  readSync(fd, buffer, 0, length, position)
  return buffer
}
const header = read(0, 64)
if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) {
  process.stderr.write('elf-has-symbols: not a little-endian ELF64 file\n')
  process.exit(2)
}
const sectionsAt = Number(header.readBigUInt64LE(0x28))
const [entrySize, count] = [header.readUInt16LE(0x3a), header.readUInt16LE(0x3c)]
const table = read(sectionsAt, entrySize * count)
closeSync(fd)
let found = false
for (let i = 0; i < count; i++) if (table.readUInt32LE(i * entrySize + 4) === SHT_SYMTAB) found = true
process.exit(found ? 0 : 1)
