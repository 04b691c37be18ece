# Hostile metadata blocks (tests/data/meta/, made by make.py): each gives
# one warning line naming its file, its block is dropped, the image is
# written with status "warning", and the good blocks beside it survive.
# The same in every mode.
. "$(dirname "$0")/lib.sh"

command -v exiftool >/dev/null 2>&1 ||
    skip "exiftool is not installed (libimage-exiftool-perl, make deps)"

in=$DATA/meta
all="exif-count.jpg exif-loop.jpg exif-offset.jpg icc-order.jpg \
iptc-length.jpg xmp-10mb.png xmp-extended.jpg "

# has FILE ARGS...: exiftool finds some tag among ARGS in FILE.
has()
{
	_f=$1
	shift
	[ -n "$(exiftool -q -q -s -s "$@" "$_f" 2>/dev/null)" ]
}

# case NAME REASON GONE KEPT...: NAME's one warning mentions REASON, the
# output lacks the tags GONE (one exiftool argument) and has every KEPT.
case_of()
{
	tag=$1
	_f=$OUT/$1
	oneline "$1" "warning: .*$2"
	has "$_f" "$3" && fail "$tag: $3 still in the output"
	shift 3
	for _k in "$@"; do
		has "$_f" "$_k" || fail "$tag: $_k lost"
	done
	[ "$(report_get "$T/r.json" \
	    "[f['status'] for f in r['files'] if f['input'] == '$tag'][0]")" = \
	    warning ] || fail "$tag: report status is not 'warning'"
}

set_modes
for m in $modes; do
	OUT=$T/out-$m
	expect 0 -m "$m" -j 2 "$in" "$OUT" --report "$T/r.json"
	tag="-m $m"
	clean "$OUT" "$all"
	case_of exif-count.jpg "EXIF dropped: .*overflow" -EXIF:all \
	    -XMP-dc:Creator -File:Comment
	case_of exif-loop.jpg "EXIF dropped: .*loop" -EXIF:all \
	    -XMP-dc:Creator -File:Comment
	case_of exif-offset.jpg "EXIF dropped: .*outside" -EXIF:all \
	    -XMP-dc:Creator -File:Comment
	case_of icc-order.jpg "ICC profile dropped: .*out of order" \
	    -ICC_Profile:all -XMP-dc:Creator -File:Comment
	case_of iptc-length.jpg "IPTC dropped" -IPTC:all -XMP-dc:Creator \
	    -File:Comment
	case_of xmp-10mb.png "XMP dropped: .*limit" -XMP:all -EXIF:Make \
	    -PNG:Comment
	case_of xmp-extended.jpg "extended XMP dropped" \
	    -XMP-xmpNote:HasExtendedXMP -XMP-dc:Creator -File:Comment
	if [ "$m" != seq ]; then
		for f in $all; do
			cmp -s "$T/out-seq/$f" "$OUT/$f" ||
			    fail "$f: -m $m differs from seq"
		done
	fi
done

# Text and eXIf chunks libpng would read whole into one buffer of their
# declared length: one over 16 MiB is skipped with a warning, and one that
# claims 1.9 GB in a small file is read as the truncation it is, without
# the allocation (under a 512 MB address-space limit, where the sanitizers
# allow one).
python3 - "$DATA/pngsuite/basn0g08.png" "$T/big" <<'PY' || fail "cannot make the PNGs"
import os, struct, sys, zlib
d = open(sys.argv[1], "rb").read()
end = 8 + 12 + struct.unpack(">I", d[8:12])[0]
def chunk(name, body, length=None):
    n = len(body) if length is None else length
    return struct.pack(">I", n) + name + body + struct.pack(">I", zlib.crc32(name + body))
os.makedirs(sys.argv[2] + "/over")
os.makedirs(sys.argv[2] + "/past")
big = chunk(b"tEXt", b"Comment\0" + b"x" * (17 << 20))
ok = chunk(b"zTXt", b"Title\0\0" + zlib.compress(b"kept"))
open(sys.argv[2] + "/over/a.png", "wb").write(d[:end] + big + ok + d[end:])
past = chunk(b"tEXt", b"Comment\0(c) 2013", 1946157100)
open(sys.argv[2] + "/past/a.png", "wb").write(d[:end] + past + d[end:])
PY
tag="text over 16 MiB"
expect 0 -m seq "$T/big/over" "$T/big/over-out"
oneline a.png "warning: .*PNG tEXt chunks dropped: one of 17825800 bytes is over the 16 MiB limit"
has "$T/big/over-out/a.png" -PNG:Title || fail "$tag: the other text lost"
tag="text past the end"
if [ -n "${IMGPIPE_SAN:-}" ]; then
	expect 1 -m seq "$T/big/past" "$T/big/past-out"
else
	rc=0
	(ulimit -v 524288 && run -m seq "$T/big/past" "$T/big/past-out" &&
	    exit "$rc") || rc=$?
	[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
fi
oneline a.png "truncated PNG data"
finish
