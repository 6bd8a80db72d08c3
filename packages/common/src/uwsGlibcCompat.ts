/**
 * The uWebSockets.js builds for Node >= 22 are compiled against glibc 2.38, and the only
 * glibc 2.38 functions they import are C23's `__isoc23_strtol`, `__isoc23_strtoul`,
 * `__isoc23_strtoull` and `__isoc23_sscanf` (what the headers of glibc >= 2.38 redirect
 * `strtol`, … to). They differ from the classic functions only in also reading a `0b` binary
 * prefix when the base is 0 or 2. On glibc < 2.38 (Debian 12, our build machines) the loader
 * refuses the whole addon for these four names, so here an addon's import table is rewritten to
 * ask for the classic functions at glibc's base version instead: the symbol names are shortened
 * in place (`__isoc23_strtol` → `strtol`, NUL-terminated where it stood) and the GLIBC_2.38
 * version requirement becomes the base one. Nothing else in the binary changes.
 *
 * Hosts on glibc >= 2.38 (Debian 13, our Docker image) load the addon as published.
 */

const C23_PREFIX = '__isoc23_';
const C23_VERSION = 'GLIBC_2.38';
/** glibc's first symbol version per architecture (`e_machine`): where `strtol` & co. live. */
const BASE_VERSION: Record<number, string> = { 62: 'GLIBC_2.2.5', 183: 'GLIBC_2.17' };

const SHT_DYNSYM = 11;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;

interface Section {
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

interface VersionNeed {
  /** File offset of the `Elf64_Vernaux` entry. */
  at: number;
  file: string;
  name: string;
  nameOffset: number;
  hash: number;
  index: number;
}

/** What an ELF64 little-endian shared object asks of its libraries' symbol versions. */
class ElfImports {
  readonly sections: Section[] = [];
  readonly needs: VersionNeed[] = [];
  readonly dynsym: Section;
  readonly versym: Section;
  readonly dynstr: Section;

  constructor(readonly elf: Buffer) {
    if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1)
      throw new Error('not an ELF64 little-endian file');
    const shoff = Number(elf.readBigUInt64LE(0x28));
    const shentsize = elf.readUInt16LE(0x3a);
    for (let i = 0; i < elf.readUInt16LE(0x3c); i++) {
      const o = shoff + i * shentsize;
      this.sections.push({
        type: elf.readUInt32LE(o + 4),
        offset: Number(elf.readBigUInt64LE(o + 0x18)),
        size: Number(elf.readBigUInt64LE(o + 0x20)),
        link: elf.readUInt32LE(o + 0x28),
        info: elf.readUInt32LE(o + 0x2c),
      });
    }
    const only = (type: number) => {
      const found = this.sections.filter((s) => s.type === type);
      if (found.length !== 1) throw new Error(`expected one section of type ${type}, found ${found.length}`);
      return found[0]!;
    };
    this.dynsym = only(SHT_DYNSYM);
    this.versym = only(SHT_GNU_VERSYM);
    const dynstr = this.sections[this.dynsym.link];
    if (!dynstr) throw new Error('dynamic symbols without a string table');
    this.dynstr = dynstr;
    const verneed = only(SHT_GNU_VERNEED);
    let need = verneed.offset;
    for (let n = 0; n < verneed.info; n++) {
      const file = this.string(elf.readUInt32LE(need + 4));
      let aux = need + elf.readUInt32LE(need + 8);
      for (let k = 0; k < elf.readUInt16LE(need + 2); k++) {
        const nameOffset = elf.readUInt32LE(aux + 8);
        this.needs.push({
          at: aux,
          file,
          name: this.string(nameOffset),
          nameOffset,
          hash: elf.readUInt32LE(aux),
          index: elf.readUInt16LE(aux + 6) & 0x7fff,
        });
        aux += elf.readUInt32LE(aux + 12);
      }
      need += elf.readUInt32LE(need + 12);
    }
  }

  get machine(): number {
    return this.elf.readUInt16LE(0x12);
  }

  string(offset: number): string {
    const start = this.dynstr.offset + offset;
    return this.elf.toString('latin1', start, this.elf.indexOf(0, start));
  }

  /** Dynamic symbols with their name's offset in the string table and their version index. */
  *symbols(): Generator<{ i: number; name: string; nameOffset: number; version: number }> {
    for (let i = 0; i < this.dynsym.size / 24; i++) {
      const nameOffset = this.elf.readUInt32LE(this.dynsym.offset + i * 24);
      const version = this.elf.readUInt16LE(this.versym.offset + i * 2) & 0x7fff;
      yield { i, name: this.string(nameOffset), nameOffset, version };
    }
  }
}

/** The glibc symbol versions a shared object needs, e.g. `['GLIBC_2.2.5', …, 'GLIBC_2.38']`. */
export function glibcVersionsNeeded(elf: Buffer): string[] {
  return new ElfImports(elf).needs.filter((n) => n.file === 'libc.so.6').map((n) => n.name);
}

/**
 * A copy of `elf` that needs no glibc 2.38: its C23 imports rebound to the classic functions
 * (see the file). Throws when the object needs glibc 2.38 for anything else, or is for an
 * architecture we do not know glibc's base version of. An object that needs no glibc 2.38 is
 * returned unchanged (copied).
 */
export function withoutGlibc238(elf: Buffer): { elf: Buffer; rebound: string[] } {
  const imports = new ElfImports(Buffer.from(elf));
  const out = imports.elf;
  const c23 = imports.needs.find((n) => n.file === 'libc.so.6' && n.name === C23_VERSION);
  if (!c23) return { elf: out, rebound: [] };
  const baseName = BASE_VERSION[imports.machine];
  const base = imports.needs.find((n) => n.file === 'libc.so.6' && n.name === baseName);
  if (!baseName || !base) throw new Error(`no glibc base version known for ELF machine ${imports.machine}`);
  const rebound: string[] = [];
  const referenced = new Set([...imports.symbols()].map((s) => s.nameOffset));
  for (const need of imports.needs) referenced.add(need.nameOffset);
  for (const symbol of imports.symbols()) {
    if (symbol.version !== c23.index) continue;
    if (!symbol.name.startsWith(C23_PREFIX))
      throw new Error(`${symbol.name} needs ${C23_VERSION}: only C23 ${C23_PREFIX}* imports can be rebound`);
    const classic = symbol.name.slice(C23_PREFIX.length);
    // In place and shorter. The linker merges strings that are another's tail: such a name
    // (`strtol` inside `__isoc23_strtol`) must start past the bytes written here.
    for (let at = symbol.nameOffset + 1; at <= symbol.nameOffset + classic.length; at++)
      if (referenced.has(at)) throw new Error(`${symbol.name}: another name shares its bytes`);
    out.write(`${classic}\0`, imports.dynstr.offset + symbol.nameOffset, 'latin1');
    out.writeUInt16LE(base.index, imports.versym.offset + symbol.i * 2);
    rebound.push(classic);
  }
  // The GLIBC_2.38 requirement, now used by no symbol, asks for the base version instead.
  out.writeUInt32LE(base.hash, c23.at);
  out.writeUInt32LE(base.nameOffset, c23.at + 8);
  return { elf: out, rebound };
}
