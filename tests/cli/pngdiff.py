#!/usr/bin/env python3
# Compares the pixels of two PNG files without any imaging library.
"""usage: pngdiff.py A.png B.png

Prints the PSNR of B against A in dB ("inf" when every sample is equal),
or "size WxHxC vs WxHxC" (exit 2) when their shapes differ.  8- and 16-bit
non-interlaced PNGs of any colour type but palette; 16-bit samples are
reduced to 8 as libpng's png_set_scale_16 does (v / 257, rounded), so that
a 16-bit reference (heif-convert's for 10-bit input) compares with 8 bits.
Exits 1 if a file cannot be read.
"""
import math
import struct
import sys
import zlib

CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def paeth(a, b, c):
    pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def load(path):
    with open(path, "rb") as f:
        d = f.read()
    if d[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("%s: not a PNG" % path)
    p, idat, hdr = 8, b"", None
    while p + 8 <= len(d):
        n, kind = struct.unpack(">I4s", d[p:p + 8])
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", d[p + 8:p + 21])
        elif kind == b"IDAT":
            idat += d[p + 8:p + 8 + n]
        p += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if interlace or depth not in (8, 16) or ctype not in CHANNELS:
        raise ValueError("%s: unsupported PNG layout" % path)
    ch = CHANNELS[ctype]
    bpp = ch * depth // 8
    stride = w * bpp
    raw = zlib.decompress(idat)
    prev = bytearray(stride)
    out = []
    for y in range(h):
        pos = y * (stride + 1)
        ft = raw[pos]
        row = bytearray(raw[pos + 1:pos + 1 + stride])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            b = prev[i]
            if ft == 1:
                row[i] = (row[i] + a) & 255
            elif ft == 2:
                row[i] = (row[i] + b) & 255
            elif ft == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif ft == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 255
        prev = row
        if depth == 16:
            out.extend(((row[i] << 8 | row[i + 1]) + 128) // 257
                       for i in range(0, stride, 2))
        else:
            out.extend(row)
    return (w, h, ch), out


def main():
    try:
        (sa, a), (sb, b) = load(sys.argv[1]), load(sys.argv[2])
    except (OSError, ValueError, IndexError, TypeError, zlib.error) as e:
        print(e)
        return 1
    if sa != sb:
        print("size %dx%dx%d vs %dx%dx%d" % (sa + sb))
        return 2
    se = sum((x - y) * (x - y) for x, y in zip(a, b))
    if se == 0:
        print("inf")
    else:
        print("%.2f" % (10 * math.log10(255.0 * 255.0 * len(a) / se)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
