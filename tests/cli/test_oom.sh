# Allocation failure, in every mode: under an RLIMIT_AS below what a
# hostile header asks for (15000x15000, with --max-pixels 0), that image
# fails alone with "out of memory", the others are written, exit 1.
. "$(dirname "$0")/lib.sh"

# Sanitizers reserve terabytes of address space for their shadow memory.
[ -z "${IMGPIPE_SAN:-}" ] ||
    skip "RLIMIT_AS: a sanitizer build needs terabytes of address space"
set_modes
in=$T/oom
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$in/a.jpg"
cp "$DATA/pngsuite/basn6a08.png" "$in/z.png"
python3 - "$DATA/pngsuite/basn6a08.png" "$in/huge.png" \
    "$DATA/jpeg/testorig.jpg" "$in/huge.jpg" <<'PY'
import struct, sys, zlib
d = bytearray(open(sys.argv[1], "rb").read())
d[16:24] = struct.pack(">II", 15000, 15000)
d[29:33] = struct.pack(">I", zlib.crc32(bytes(d[12:29])))
open(sys.argv[2], "wb").write(d)
j = bytearray(open(sys.argv[3], "rb").read())
i = 2
while j[i + 1] not in (0xC0, 0xC1, 0xC2):
    i += 2 + struct.unpack(">H", j[i + 2:i + 4])[0]
j[i + 5:i + 9] = struct.pack(">HH", 15000, 15000)
open(sys.argv[4], "wb").write(j)
PY
for m in $modes; do
	tag="rlimit-as $m"
	rc=0
	(ulimit -v 400000 && exec "$IMGPIPE" -m "$m" --max-pixels 0 \
	    "$in" "$T/oom-$m") >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
	oneline huge.png "out of memory"
	n=$(stderr_lines_naming huge.jpg)
	[ "$n" -eq 1 ] || fail "$tag: $n error lines for huge.jpg"
	clean "$T/oom-$m" "a.jpg z.png "
done

finish
