#!/usr/bin/env python3
"""Make a small copy of a camera JPEG that keeps its metadata byte for byte.

    shrink.py [--imgpipe PATH] [--size N] [--quality Q] ORIGINAL OUTPUT

The pixels are re-encoded small by imgpipe itself (resize to fit NxN, the
stored orientation kept: --no-auto-orient), then every APPn and COM segment
of ORIGINAL is put, unchanged and in its original order, in front of the
re-encode's own tables and scan.  Nothing of the re-encode's own APPn/COM
segments is kept, so the EXIF, maker note, IFD1 thumbnail, XMP, IPTC and ICC
profile are the camera's; only the SOF size now differs from the EXIF
PixelXDimension/PixelYDimension, as after any editor that does not fix them.

APP14 "Adobe" is the exception: it describes the colour transform of the
original's entropy-coded data, not the photo, and must match the scan it
sits with, so the re-encode's (none, from libjpeg) is what stays.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def segments(data, path):
    """Yield (marker, bytes) for each segment before SOS, then (SOS, rest)."""
    if data[:2] != b"\xff\xd8":
        sys.exit(f"{path}: not a JPEG (no SOI)")
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            sys.exit(f"{path}: no marker at offset {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = data[i + 2] << 8 | data[i + 3]
        if marker == 0xDA:
            yield marker, data[i:]
            return
        yield marker, data[i : i + 2 + length]
        i += 2 + length
    sys.exit(f"{path}: no SOS marker")


def is_metadata(marker, seg):
    app = 0xE0 <= marker <= 0xEF
    if marker == 0xEE and seg[4:9] == b"Adobe":
        return False
    return app or marker == 0xFE


def splice(original, small, path_o, path_s):
    meta = [s for m, s in segments(original, path_o) if is_metadata(m, s)]
    body = [s for m, s in segments(small, path_s) if not (0xE0 <= m <= 0xEF or m == 0xFE)]
    return b"\xff\xd8" + b"".join(meta) + b"".join(body)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--imgpipe", default=os.path.join(here, "..", "..", "..", "build", "imgpipe"))
    ap.add_argument("--size", type=int, default=320, help="long side in pixels (320)")
    ap.add_argument("--quality", type=int, default=80)
    ap.add_argument("original")
    ap.add_argument("output")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in"), os.path.join(tmp, "out")
        os.mkdir(src)
        shutil.copyfile(a.original, os.path.join(src, "photo.jpg"))
        subprocess.run(
            [a.imgpipe, "-m", "seq", "--quiet", "--no-auto-orient", "-q", str(a.quality),
             "-p", f"resize={a.size}x{a.size}", src, dst],
            check=True,
        )
        with open(os.path.join(dst, "photo.jpg"), "rb") as f:
            small = f.read()
    with open(a.original, "rb") as f:
        original = f.read()
    out = splice(original, small, a.original, "re-encode")
    with open(a.output, "wb") as f:
        f.write(out)
    print(f"{a.output}: {len(original)} -> {len(out)} bytes")


if __name__ == "__main__":
    main()
