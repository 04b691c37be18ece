#!/usr/bin/env python3
# Decodes 8-bit PNGs without any imaging library, so that the end-to-end
# tests can compare what another program decoded with imgpipe's pixels.
"""usage: pngpixels.py [-e] FILE...

Prints one line per file: WIDTH HEIGHT CHANNELS SHA256, the digest of the
unfiltered samples, row after row.  With -e, grey is expanded to RGB (and
grey and alpha to RGBA) first, as decoders that write only colour do.  Only 8-bit, non-interlaced grey, grey
and alpha, RGB and RGBA files are read; exits 1 on anything else.
"""
import hashlib
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def unfilter(raw, w, h, bpp):
    stride = w * bpp
    out = bytearray()
    prev = bytearray(stride)
    at = 0
    for _ in range(h):
        ftype = raw[at]
        row = bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                row[i] = (row[i] + a) & 255
            elif ftype == 2:
                row[i] = (row[i] + b) & 255
            elif ftype == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif ftype == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 255
        out += row
        prev = row
    return bytes(out)


def expand(data, ch):
    out = bytearray()
    for i in range(0, len(data), ch):
        out += bytes((data[i],)) * 3 + data[i + 1:i + ch]
    return bytes(out), ch + 2


def pixels(path, rgb):
    with open(path, "rb") as f:
        d = f.read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    at, idat, hdr = 8, b"", None
    while at + 8 <= len(d):
        (n,) = struct.unpack(">I", d[at:at + 4])
        kind, body = d[at + 4:at + 8], d[at + 8:at + 8 + n]
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        at += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or interlace != 0 or ctype not in CHANNELS:
        raise ValueError("unsupported PNG kind")
    ch = CHANNELS[ctype]
    data = unfilter(zlib.decompress(idat), w, h, ch)
    if rgb and ch <= 2:
        data, ch = expand(data, ch)
    return w, h, ch, hashlib.sha256(data).hexdigest()


def main(argv):
    rgb = len(argv) > 1 and argv[1] == "-e"
    paths = argv[2:] if rgb else argv[1:]
    if not paths:
        print(__doc__, file=sys.stderr)
        return 1
    for path in paths:
        try:
            print("%d %d %d %s" % pixels(path, rgb))
        except (OSError, ValueError, TypeError, zlib.error) as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
