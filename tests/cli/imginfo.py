#!/usr/bin/env python3
# Reads what the end-to-end tests need from JPEG and PNG headers without any
# imaging library: format, size, channels, whether the file is complete.
"""usage: imginfo.py FILE...

Prints one line per file: FORMAT WIDTH HEIGHT CHANNELS COMPLETE EXIF
  FORMAT    jpeg | png | other
  CHANNELS  JPEG components; PNG channels after palette expansion (3)
  COMPLETE  complete (JPEG ends with EOI / PNG ends with a valid IEND and
            every chunk CRC matches) or incomplete
  EXIF      exif (a JPEG APP1 Exif segment or PNG eXIf chunk) or noexif
Exits 1 if a file cannot be read.
"""
import struct
import sys
import zlib

SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB,
       0xCD, 0xCE, 0xCF}
PNG_SIG = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}


def jpeg_info(d):
    w = h = ch = 0
    exif = False
    i = 2
    while i + 4 <= len(d):
        if d[i] != 0xFF:
            break
        m = d[i + 1]
        if m == 0xFF:
            i += 1
            continue
        if m == 0xD8 or 0xD0 <= m <= 0xD7 or m == 0x01:
            i += 2
            continue
        (seglen,) = struct.unpack(">H", d[i + 2:i + 4])
        seg = d[i + 4:i + 2 + seglen]
        if m in SOF and len(seg) >= 6:
            h, w = struct.unpack(">HH", seg[1:5])
            ch = seg[5]
        if m == 0xE1 and seg[:6] == b"Exif\0\0":
            exif = True
        if m == 0xDA:
            break
        i += 2 + seglen
    complete = d[-2:] == b"\xff\xd9"
    return ("jpeg", w, h, ch, complete, exif)


def png_info(d):
    w = h = ch = 0
    exif = False
    complete = False
    i = 8
    while i + 12 <= len(d):
        (n,) = struct.unpack(">I", d[i:i + 4])
        typ = d[i + 4:i + 8]
        body = d[i + 8:i + 8 + n]
        crc = d[i + 8 + n:i + 12 + n]
        if len(crc) != 4 or zlib.crc32(typ + body) != struct.unpack(">I", crc)[0]:
            break
        if typ == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
            ch = PNG_CHANNELS.get(body[9], 0)
        if typ == b"eXIf":
            exif = True
        i += 12 + n
        if typ == b"IEND":
            complete = i == len(d)
            break
    return ("png", w, h, ch, complete, exif)


def info(path):
    with open(path, "rb") as f:
        d = f.read()
    if d[:3] == b"\xff\xd8\xff":
        return jpeg_info(d)
    if d[:8] == PNG_SIG:
        return png_info(d)
    return ("other", 0, 0, 0, False, False)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    for path in argv[1:]:
        try:
            fmt, w, h, ch, complete, exif = info(path)
        except OSError as e:
            sys.stderr.write("imginfo.py: %s: %s\n" % (path, e.strerror))
            return 1
        print(fmt, w, h, ch, "complete" if complete else "incomplete",
              "exif" if exif else "noexif")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
