"""Blank the symbol tables of an ELF shared library in place, for machines without binutils' `strip`.

The dynamic loader reads only program headers and the dynamic symbol table (.dynsym, an allocated section);
.symtab, .strtab, .debug_* and .comment are for debuggers. Zeroing them (and marking them SHT_NOBITS) keeps the
file size but makes those bytes compress to almost nothing in the zip, which is all we want.
"""

from __future__ import annotations

import struct
from pathlib import Path

ELF_HEADER = struct.Struct("<16sHHIQQQIHHHHHH")
SECTION = struct.Struct("<IIQQQQIIQQ")
SHF_ALLOC, SHT_NOBITS = 0x2, 8
DEBUG_ONLY = (".symtab", ".strtab", ".comment")


def blank_symbols(path: Path) -> int:
    """Returns how many bytes were zeroed (0 for anything that is not a little-endian ELF64 file)."""
    data = bytearray(path.read_bytes())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return 0
    header = ELF_HEADER.unpack_from(data, 0)
    shoff, shentsize, shnum, shstrndx = header[6], header[11], header[12], header[13]
    if shoff == 0 or shentsize != SECTION.size:
        return 0
    sections = [list(SECTION.unpack_from(data, shoff + i * shentsize)) for i in range(shnum)]
    names_at = sections[shstrndx][4]

    def name(index: int) -> str:
        start = names_at + sections[index][0]
        return bytes(data[start:data.index(0, start)]).decode("ascii", "replace")

    zeroed = 0
    for i, sec in enumerate(sections):
        section_name = name(i)
        if i == shstrndx or sec[2] & SHF_ALLOC or sec[1] == SHT_NOBITS:
            continue
        if section_name in DEBUG_ONLY or section_name.startswith(".debug"):
            offset, size = sec[4], sec[5]
            data[offset:offset + size] = bytes(size)
            sec[1] = SHT_NOBITS
            SECTION.pack_into(data, shoff + i * shentsize, *sec)
            zeroed += size
    if zeroed:
        path.write_bytes(bytes(data))
    return zeroed
