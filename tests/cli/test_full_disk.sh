# A full disk, in every mode: a 200 KiB tmpfs takes the small image but not
# the big one, which fails alone with "no space left"; and a read-only
# output folder is a setup error (exit 2).  Mounting needs root.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "a full disk: mounting a tmpfs needs root"
mnt=$T/mnt
mkdir -p "$mnt"
mount -t tmpfs -o size=200k tmpfs "$mnt" 2>"$T/mount.err" ||
    skip "a full disk: mount -t tmpfs refused: $(cat "$T/mount.err")"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T"' EXIT

set_modes
in=$T/wr
mkdir -p "$in"
cp "$SAMPLES/dandelions.jpg" "$in/big.jpg"
cp "$DATA/jpeg/testorig.jpg" "$in/small.jpg"
[ "$(wc -c <"$in/big.jpg")" -gt 204800 ] ||
    fail "big.jpg fits in the tmpfs: the test proves nothing"

for m in $modes; do
	tag="enospc $m"
	rm -rf "${mnt:?}/o"
	# One image in flight at a time, so the small one fits after.
	expect 1 -m "$m" -j 1 -q 95 "$in" "$mnt/o"
	oneline big.jpg "no space left"
	clean "$mnt/o" "small.jpg "
done

# A read-only output folder is a setup error: exit 2, nothing written.
rm -rf "${mnt:?}/o"
mkdir -p "$mnt/o"
if mount -o remount,ro "$mnt" 2>"$T/mount.err"; then
	tag="read-only"
	expect 2 "$in" "$mnt/o"
	grep -q "^imgpipe: .*Read-only\|^imgpipe: .*read-only" "$T/stderr" ||
	    fail "read-only: no reason given"
	[ "$(nfiles "$mnt/o")" -eq 0 ] || fail "read-only: files written"
else
	skip_part "read-only output folder: remount refused: $(cat "$T/mount.err")"
fi
finish
