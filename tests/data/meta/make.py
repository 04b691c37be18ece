#!/usr/bin/env python3
"""Rebuild the hostile metadata files of this folder.

usage: python3 make.py   (from anywhere; writes next to this script)

Each file is ../jpeg/testorig.jpg or ../jpeg/testorig.png with metadata
blocks added: one hostile block, and good blocks beside it (a comment, an
XMP packet or EXIF) that must survive it.  tests/cli/test_meta_hostile.sh
runs them; see tests/data/README.md.
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


def seg(marker, payload):
    assert len(payload) + 2 <= 0xFFFF
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + \
        payload


def jpeg_with(*segments):
    """testorig.jpg with segments right after SOI."""
    jpg = read("jpeg/testorig.jpg")
    return jpg[:2] + b"".join(segments) + jpg[2:]


def chunk(kind, payload):
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + \
        struct.pack(">I", crc)


def png_with(*extra):
    """testorig.png with chunks (kind, payload) right after IHDR."""
    p = read("jpeg/testorig.png")
    ihdr_end = 8 + 12 + 13
    return p[:ihdr_end] + b"".join(chunk(k, d) for k, d in extra) + \
        p[ihdr_end:]


COMMENT = seg(0xFE, b"kept comment")


def xmp_packet(extra_attrs=b"", body=b""):
    return (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
            b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description rdf:about="" '
            b'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            b'xmlns:xmpNote="http://ns.adobe.com/xmp/note/"' + extra_attrs +
            b'><dc:creator><rdf:Seq><rdf:li>Kept Creator</rdf:li></rdf:Seq>'
            b'</dc:creator>' + body + b'</rdf:Description></rdf:RDF>'
            b'</x:xmpmeta><?xpacket end="w"?>')


XMP_ID = b"http://ns.adobe.com/xap/1.0/\0"
XMP = seg(0xE1, XMP_ID + xmp_packet())


def tiff(entries, extra=b"", next_ifd=0):
    """Big-endian TIFF: IFD0 at 8 with entries (tag, type, count, value
    bytes or offset), then extra (whose offsets the caller computed)."""
    ifd = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        if isinstance(value, int):
            value = struct.pack(">I", value)
        ifd += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\0")
    ifd += struct.pack(">I", next_ifd)
    return b"MM\0\x2a" + struct.pack(">I", 8) + ifd + extra


def exif_seg(t):
    return seg(0xE1, b"Exif\0\0" + t)


def icc_profile():
    """A small valid RGB display profile (header, cprt, wtpt)."""
    d50 = struct.pack(">iii", 0xF6D6, 0x10000, 0xD32D)
    text = b"imgpipe test profile: not for colour management\0"
    cprt = b"text" + b"\0" * 4 + text
    cprt += b"\0" * (-len(cprt) % 4)
    wtpt = b"XYZ " + b"\0" * 4 + d50
    table_end = 128 + 4 + 2 * 12
    tags = struct.pack(">I", 2)
    tags += struct.pack(">4sII", b"cprt", table_end, len(cprt))
    tags += struct.pack(">4sII", b"wtpt", table_end + len(cprt), len(wtpt))
    size = table_end + len(cprt) + len(wtpt)
    hdr = struct.pack(">I4sI4s4s4s", size, b"none", 0x02100000, b"mntr",
                      b"RGB ", b"XYZ ")
    hdr += struct.pack(">6H", 2024, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 24
    hdr += struct.pack(">I", 0) + d50 + b"\0" * 4 + b"\0" * 16 + b"\0" * 28
    return hdr + tags + cprt + wtpt


def main():
    # IFD0's ExifIFD pointer leads back to IFD0: a loop.
    write("exif-loop.jpg", jpeg_with(
        exif_seg(tiff([(0x010F, 2, 4, b"Cam\0"), (0x8769, 4, 1, 8)],
                      next_ifd=8)), XMP, COMMENT))
    # Make's 100 characters lie far past the end of the block.
    write("exif-offset.jpg", jpeg_with(
        exif_seg(tiff([(0x010F, 2, 100, 0x00FFFFF0)])), XMP, COMMENT))
    # 0x40000001 LONGs: the byte count overflows 32 bits to 4.
    write("exif-count.jpg", jpeg_with(
        exif_seg(tiff([(0x0111, 4, 0x40000001, 26)])), XMP, COMMENT))
    # Extended XMP: the main packet points to it, one extension segment.
    guid = b"0123456789ABCDEF0123456789ABCDEF"
    ext = xmp_packet(body=b"<dc:description>extension</dc:description>")
    write("xmp-extended.jpg", jpeg_with(
        seg(0xE1, XMP_ID + xmp_packet(
            b' xmpNote:HasExtendedXMP="' + guid + b'"')),
        seg(0xE1, b"http://ns.adobe.com/xmp/extension/\0" + guid +
            struct.pack(">II", len(ext), 0) + ext), COMMENT))
    # An ICC profile over two APP2 segments, the second first.
    icc = icc_profile()
    half = len(icc) // 2
    write("icc-order.jpg", jpeg_with(
        seg(0xE2, b"ICC_PROFILE\0" + bytes([2, 2]) + icc[half:]),
        seg(0xE2, b"ICC_PROFILE\0" + bytes([1, 2]) + icc[:half]),
        XMP, COMMENT))
    # A Photoshop resource whose length runs 2 GB past its segment.
    irb = b"8BIM" + struct.pack(">H", 0x0404) + b"\0\0" + \
        struct.pack(">I", 0x7FFFFFF0) + b"\x1c\x02\x00\x00\x02\x00\x04"
    write("iptc-length.jpg", jpeg_with(
        seg(0xED, b"Photoshop 3.0\0" + irb), XMP, COMMENT))
    # A 10 MB XMP packet (compressed iTXt: small on disk), with a good
    # eXIf and a comment beside it.
    big = xmp_packet(body=b"<dc:description>" + b" " * (10 << 20) +
                     b"</dc:description>")
    write("xmp-10mb.png", png_with(
        (b"eXIf", tiff([(0x010F, 2, 4, b"Cam\0")])),
        (b"iTXt", b"XML:com.adobe.xmp\0\x01\0\0\0" + zlib.compress(big, 9)),
        (b"tEXt", b"Comment\0kept comment")))


main()
