#!/usr/bin/env python3
"""Banding of a 16-bit ProPhoto gradient converted to 8-bit sRGB.

  bench/banding16.py IMGPIPE WORK_DIR [PROFILE]

Writes a 16-bit RGB PNG (4096 x 16: a neutral ramp and three coloured
ramps, 0..65535 across) tagged with PROFILE (default colord's
ProPhotoRGB.icc), converts it with `imgpipe --export-profile srgb -f png`,
and converts the same 16-bit pixels with lcms's tificc at 16 bits (-w16,
relative intent, -c0: no precalculated grid, whose interpolation is off by
up to 4 levels in ProPhoto's darks) to the sRGB profile imgpipe embedded,
rounded to 8 bits afterwards: the 16-bit-precision reference.  Prints one line

  vs_reduced_first max_err=E mean_err=M
  banding16 max_err=E mean_err=M levels_ref=R levels_out=O missing=K

max and mean absolute error in 8-bit levels, over every sample; the 8-bit
levels the reference uses and imgpipe's output uses, summed over the
ramps' channels; missing = reference levels that imgpipe never writes (the
bands).  vs_reduced_first compares with the reference made from the
pixels reduced to 8 bits first: how far a transform after the reduction
would be.  Standard library, tificc (liblcms2-utils)
and exiftool only.
"""

import os
import struct
import subprocess
import sys
import zlib

W, H = 4096, 16
# Rows of each ramp: neutral, red-ish, green-ish, blue-ish.
RAMPS = [(1.0, 1.0, 1.0), (1.0, 0.35, 0.2), (0.3, 1.0, 0.4), (0.25, 0.3, 1.0)]


def ramp_pixels():
    rows = []
    for y in range(H):
        k = RAMPS[y * len(RAMPS) // H]
        row = []
        for x in range(W):
            v = x / (W - 1)
            row.append(tuple(int(round(65535 * v * c)) for c in k))
        rows.append(row)
    return rows


def chunk(kind, body):
    return (struct.pack(">I", len(body)) + kind + body +
            struct.pack(">I", zlib.crc32(kind + body)))


def write_png16(path, rows, icc):
    raw = b"".join(b"\0" + b"".join(struct.pack(">HHH", *p) for p in r)
                   for r in rows)
    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 16, 2, 0, 0, 0))
    png += chunk(b"iCCP", b"ProPhoto\0\0" + zlib.compress(icc))
    png += chunk(b"IDAT", zlib.compress(raw, 6))
    png += chunk(b"IEND", b"")
    open(path, "wb").write(png)


def write_tiff16(path, rows):
    """Uncompressed, contiguous RGB, 16 bits, one strip, little-endian."""
    data = b"".join(struct.pack("<HHH", *p) for r in rows for p in r)
    entries = [(256, 3, 1, W), (257, 3, 1, H), (258, 3, 3, 8 + 0),
               (259, 3, 1, 1), (262, 3, 1, 2), (273, 4, 1, 0),
               (277, 3, 1, 3), (278, 3, 1, H), (279, 4, 1, len(data)),
               (284, 3, 1, 1)]
    ifd_off = 8
    ifd_len = 2 + 12 * len(entries) + 4
    bps_off = ifd_off + ifd_len
    data_off = bps_off + 6
    out = b"II*\0" + struct.pack("<I", ifd_off) + struct.pack("<H", len(entries))
    for tag, typ, n, val in entries:
        if tag == 258:
            out += struct.pack("<HHII", tag, typ, n, bps_off)
        elif tag == 273:
            out += struct.pack("<HHII", tag, typ, n, data_off)
        elif typ == 3:
            out += struct.pack("<HHIHH", tag, typ, n, val, 0)
        else:
            out += struct.pack("<HHII", tag, typ, n, val)
    out += struct.pack("<I", 0) + struct.pack("<HHH", 16, 16, 16) + data
    open(path, "wb").write(out)


def read_tiff16(path):
    """The RGB samples of tificc's output (uncompressed, any strips)."""
    d = open(path, "rb").read()
    end = "<" if d[:2] == b"II" else ">"
    off = struct.unpack(end + "I", d[4:8])[0]
    n = struct.unpack(end + "H", d[off:off + 2])[0]
    tags = {}
    for i in range(n):
        e = d[off + 2 + 12 * i:off + 14 + 12 * i]
        tag, typ, cnt = struct.unpack(end + "HHI", e[:8])
        size = {3: 2, 4: 4}.get(typ, 1)
        if cnt * size <= 4:
            vals = struct.unpack(end + ("H" if size == 2 else "I") * cnt,
                                 e[8:8 + cnt * size]) if size > 1 else (e[8],)
        else:
            p = struct.unpack(end + "I", e[8:12])[0]
            vals = struct.unpack(end + ("H" if size == 2 else "I") * cnt,
                                 d[p:p + cnt * size])
        tags[tag] = vals
    assert tags.get(259, (1,))[0] == 1, "tificc output is compressed"
    assert tags[258][0] == 16, "tificc output is not 16-bit"
    data = b"".join(d[o:o + c] for o, c in zip(tags[273], tags[279]))
    return struct.unpack(end + "H" * (len(data) // 2), data)


def read_png8(path):
    d = open(path, "rb").read()
    i, idat, ihdr = 8, b"", None
    while i < len(d):
        n = struct.unpack(">I", d[i:i + 4])[0]
        kind, body = d[i + 4:i + 8], d[i + 8:i + 8 + n]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        i += 12 + n
    w, h, depth, ctype = ihdr[:4]
    assert depth == 8 and ctype == 2, "want 8-bit RGB"
    raw, bpp, stride = zlib.decompress(idat), 3, w * 3
    out, prev = bytearray(), bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(
            raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        out += line
        prev = line
    return out


def reference(work, name, rows, prof):
    """rows through tificc at 16 bits, rounded to 8 bits."""
    src = os.path.join(work, name + "-in.tif")
    dst = os.path.join(work, name + ".tif")
    write_tiff16(src, rows)
    subprocess.run(["tificc", "-t1", "-w16", "-c0", "-i" + prof,
                    "-o" + os.path.join(work, "srgb.icc"), src, dst],
                   check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return [(v * 255 + 32767) // 65535 for v in read_tiff16(dst)]


def main(argv):
    if len(argv) not in (3, 4):
        sys.exit(__doc__)
    imgpipe, work = argv[1], argv[2]
    prof = argv[3] if len(argv) == 4 else \
        "/usr/share/color/icc/colord/ProPhotoRGB.icc"
    os.makedirs(os.path.join(work, "in"), exist_ok=True)
    rows = ramp_pixels()
    write_png16(os.path.join(work, "in", "ramp.png"), rows,
                open(prof, "rb").read())
    subprocess.run([imgpipe, os.path.join(work, "in"),
                    os.path.join(work, "out"), "--export-profile", "srgb",
                    "-f", "png", "--quiet"], check=True)
    out_png = os.path.join(work, "out", "ramp.png")
    subprocess.run(["exiftool", "-b", "-ICC_Profile", out_png],
                   stdout=open(os.path.join(work, "srgb.icc"), "wb"),
                   check=True)
    ref = reference(work, "ref", rows, prof)
    # The same after an 8-bit reduction first (v / 257 rounded): what a
    # perfect transform of reduced pixels would give.
    rows8 = [[tuple((c * 255 + 32767) // 65535 * 257 for c in p) for p in r]
             for r in rows]
    ref8 = reference(work, "ref8", rows8, prof)
    out = read_png8(out_png)
    err8 = [abs(a - b) for a, b in zip(ref8, out)]
    print(f"vs_reduced_first max_err={max(err8)} "
          f"mean_err={sum(err8) / len(err8):.3f}")
    assert len(ref) == len(out), (len(ref), len(out))
    errs = [abs(a - b) for a, b in zip(ref, out)]
    lr = lo = miss = 0
    per_ramp = H // len(RAMPS)
    for r in range(len(RAMPS)):
        for c in range(3):
            y = r * per_ramp
            sr = {ref[(y * W + x) * 3 + c] for x in range(W)}
            so = {out[(y * W + x) * 3 + c] for x in range(W)}
            lr, lo, miss = lr + len(sr), lo + len(so), miss + len(sr - so)
    print(f"banding16 max_err={max(errs)} "
          f"mean_err={sum(errs) / len(errs):.3f} levels_ref={lr} "
          f"levels_out={lo} missing={miss}")


if __name__ == "__main__":
    main(sys.argv)
