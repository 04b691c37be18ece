#!/usr/bin/env python3
"""Rebuild the damaged files of this folder from the conformance images.

usage: python3 make.py   (from anywhere; writes next to this script)

Every file is a byte edit of a libjpeg-turbo or PngSuite image kept in
tests/data, except lossless.jpg, a lossless (SOF3) JPEG encoded here from
the pixels of pngsuite/basn0g08.png.  See tests/data/README.md.
"""
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)


def read(rel):
    with open(os.path.join(DATA, rel), "rb") as f:
        return f.read()


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def chunks(png):
    """[(type, payload)] of a PNG, CRCs dropped."""
    out, i = [], 8
    while i + 12 <= len(png):
        n, = struct.unpack(">I", png[i:i + 4])
        out.append((png[i + 4:i + 8], png[i + 8:i + 8 + n]))
        i += 12 + n
    return out


def chunk(kind, payload):
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + \
        struct.pack(">I", crc)


def png(parts):
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk(k, p) for k, p in parts)


def exif_orientation(o):
    """A big-endian TIFF header with one IFD0 entry: Orientation = o."""
    return (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) +
            struct.pack(">HHIHH", 0x0112, 3, 1, o, 0) + struct.pack(">I", 0))


def grey_pixels(p):
    """Width, height and rows of an 8-bit grey, non-interlaced PNG."""
    parts = chunks(p)
    w, h = struct.unpack(">II", parts[0][1][:8])
    raw = zlib.decompress(b"".join(d for k, d in parts if k == b"IDAT"))
    rows, prev = [], bytearray(w)
    for y in range(h):
        f, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:(y + 1) * (w + 1)])
        for x in range(w):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            pred = [0, a, b, (a + b) // 2,
                    a if pa <= pb and pa <= pc else b if pb <= pc else c][f]
            line[x] = (line[x] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return w, h, rows


# The DC luminance table of ITU T.81 K.3: code lengths 1..16, values.
DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
DC_VALS = list(range(12))


def huff_codes(bits, vals):
    codes, code, k = {}, 0, 0
    for length in range(1, 17):
        for _ in range(bits[length - 1]):
            codes[vals[k]] = (code, length)
            code += 1
            k += 1
        code <<= 1
    return codes


def lossless_jpeg(w, h, rows):
    """Lossless JPEG, predictor 1 (left), point transform 0, one table."""
    codes = huff_codes(DC_BITS, DC_VALS)
    acc, nbits, out = 0, 0, bytearray()

    def put(v, n):
        nonlocal acc, nbits
        acc, nbits = (acc << n) | (v & ((1 << n) - 1)), nbits + n
        while nbits >= 8:
            byte = (acc >> (nbits - 8)) & 0xFF
            out.append(byte)
            if byte == 0xFF:
                out.append(0)
            nbits -= 8
    for y in range(h):
        for x in range(w):
            if x == 0 and y == 0:
                pred = 128
            elif y == 0:
                pred = rows[y][x - 1]
            elif x == 0:
                pred = rows[y - 1][x]
            else:
                pred = rows[y][x - 1]
            d = rows[y][x] - pred
            ssss = abs(d).bit_length()
            put(*codes[ssss])
            if ssss:
                put(d if d > 0 else d - 1, ssss)
    if nbits:
        put(0x7F, 8 - nbits)    # pad with ones
    dht = bytes([0x00]) + bytes(DC_BITS) + bytes(DC_VALS)
    sof = struct.pack(">BHHB", 8, h, w, 1) + bytes([1, 0x11, 0])
    sos = bytes([1, 1, 0x00, 1, 0, 0])   # Ss = predictor 1, Se = 0, Ah/Al 0

    def seg(m, p):
        return bytes([0xFF, m]) + struct.pack(">H", len(p) + 2) + p
    return (b"\xff\xd8" + seg(0xC4, dht) + seg(0xC3, sof) + seg(0xDA, sos) +
            bytes(out) + b"\xff\xd9")


def main():
    jpg = read("jpeg/testorig.jpg")
    assert jpg[-2:] == b"\xff\xd9"
    write("eoi-cut.jpg", jpg[:-2])
    write("truncated.jpg", jpg[:len(jpg) * 6 // 10])

    small = read("pngsuite/basn2c08.png")
    parts = chunks(small)
    write("no-iend.png", small[:-12])
    write("bad-iend-crc.png", small[:-4] + bytes(b ^ 0xFF for b in small[-4:]))
    write("no-adler.png", png([(k, d[:-4] if k == b"IDAT" else d)
                               for k, d in parts]))
    write("chunk-IdND.png", png(parts[:1] + [(b"IdND", b"\0\0\0\0")] +
                                parts[1:]))

    whole = read("jpeg/testorig.png")
    write("truncated.png", whole[:len(whole) * 6 // 10])
    big = chunks(whole)
    write("exif-late.png", png(big[:-1] + [(b"eXIf", exif_orientation(6))] +
                               big[-1:]))

    write("lossless.jpg", lossless_jpeg(*grey_pixels(
        read("pngsuite/basn0g08.png"))))


main()
