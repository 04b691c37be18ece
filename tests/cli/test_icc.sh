# An embedded ICC profile is copied to the output, JPEG to PNG and back;
# an image without one gets none.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
# A small but valid RGB display profile (header, copyright, white point),
# built here: the CMYK test1.icc of libjpeg-turbo cannot go into an RGB PNG.
icc=$T/rgb.icc
python3 - "$icc" <<'PY'
import struct, sys
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
assert len(hdr) == 128
open(sys.argv[1], "wb").write(hdr + tags + cprt + wtpt)
PY
# Embed the profile as APP2 ICC_PROFILE segments right after SOI.
python3 - "$DATA/jpeg/testorig.jpg" "$icc" "$in/withicc.jpg" <<'PY'
import struct, sys
jpg = open(sys.argv[1], "rb").read()
icc = open(sys.argv[2], "rb").read()
step = 65519
chunks = [icc[i:i + step] for i in range(0, len(icc), step)]
segs = b""
for n, c in enumerate(chunks):
    body = b"ICC_PROFILE\0" + bytes([n + 1, len(chunks)]) + c
    segs += b"\xff\xe2" + struct.pack(">H", len(body) + 2) + body
open(sys.argv[3], "wb").write(jpg[:2] + segs + jpg[2:])
PY

# icc_of FILE: print the ICC profile of a JPEG or PNG as hex (empty: none).
icc_of()
{
	python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
out = b""
if d[:2] == b"\xff\xd8":
    i, parts = 2, {}
    while i + 4 <= len(d) and d[i] == 0xFF and d[i + 1] != 0xDA:
        n = struct.unpack(">H", d[i + 2:i + 4])[0]
        seg = d[i + 4:i + 2 + n]
        if d[i + 1] == 0xE2 and seg[:12] == b"ICC_PROFILE\0":
            parts[seg[12]] = seg[14:]
        i += 2 + n
    out = b"".join(parts[k] for k in sorted(parts))
elif d[:8] == b"\x89PNG\r\n\x1a\n":
    i = 8
    while i + 8 <= len(d):
        n = struct.unpack(">I", d[i:i + 4])[0]
        if d[i + 4:i + 8] == b"iCCP":
            body = d[i + 8:i + 8 + n]
            z = body.index(b"\0")
            out = zlib.decompress(body[z + 2:])
        i += 12 + n
print(out.hex())
PY
}

want=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().hex())' "$icc")
check "fixture has no ICC profile" [ "$(icc_of "$in/withicc.jpg")" = "$want" ]
expect 0 "$in" "$T/jpg" -p resize=100x100
[ "$(icc_of "$T/jpg/withicc.jpg")" = "$want" ] || fail "JPEG output lost the ICC profile"
expect 0 "$in" "$T/png" -f png
[ "$(icc_of "$T/png/withicc.png")" = "$want" ] || fail "PNG output lost the ICC profile"
# Back from PNG to JPEG keeps it too.
expect 0 "$T/png" "$T/back" -f jpeg
[ "$(icc_of "$T/back/withicc.jpg")" = "$want" ] || fail "PNG -> JPEG lost the ICC profile"

# A file without a profile gets none.
cp "$DATA/jpeg/testimgint.jpg" "$in/"
expect 0 "$in" "$T/none"
[ -z "$(icc_of "$T/none/testimgint.jpg")" ] || fail "a profile appeared from nowhere"
finish
