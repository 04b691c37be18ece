# Faults from outside the images, in every mode: odd inputs (a folder, a
# FIFO, a dangling symlink, a file that vanishes or turns into a FIFO after
# the listing), write errors (RLIMIT_FSIZE, a full tmpfs, a read-only output
# folder, an unwritable sub-folder), allocation failure under RLIMIT_AS and a
# closed stderr.  Each costs its own image only: one error line, the rest of
# the batch written completely, exit 1, no temporary file, no hang.
. "$(dirname "$0")/lib.sh"

mnt=$T/mnt
trap 'umount "$mnt" 2>/dev/null; rm -rf "$T"' EXIT

modes="seq threads procs coop"
mkdir -p "$T/empty"
if [ "${IMGPIPE_SAN:-}" != thread ] &&
    "$IMGPIPE" -m omp "$T/empty" "$T/probe" >/dev/null 2>&1; then
	modes="$modes omp"
fi
# Under ThreadSanitizer omp is not built; the rest of the modes still run.

# oneline NAME REASON: exactly one error line for NAME, mentioning REASON.
oneline()
{
	n=$(stderr_lines_naming "$1")
	[ "$n" -eq 1 ] || fail "$tag: $n error lines for $1, want 1"
	grep -qi "^imgpipe: .*$1: .*$2" "$T/stderr" ||
	    fail "$tag: no '$2' reason for $1"
}

# clean OUT FILES: OUT holds exactly FILES (space-separated), complete.
clean()
{
	got=$(listfiles "$1" 2>/dev/null | tr '\n' ' ')
	[ "$got" = "$2" ] || fail "$tag: outputs '$got', want '$2'"
	check "$tag: incomplete output" complete_images "$1"
	check "$tag: temporary file left behind" no_tmp "$1"
}

# --- odd inputs: a folder, a FIFO, a dangling symlink, a missing file ---
in=$T/odd
mkdir -p "$in/dir.jpg"
cp "$DATA/jpeg/testorig.jpg" "$in/a.jpg"
cp "$DATA/pngsuite/basn6a08.png" "$in/b.png"
mkfifo "$in/fifo.jpg"
ln -s nowhere.jpg "$in/dangling.jpg"
printf 'a.jpg\nfifo.jpg\ndangling.jpg\ndir.jpg\nmissing.jpg\nb.png\n' \
    >"$T/list"
for m in $modes; do
	tag="odd walk $m"
	expect 1 -m "$m" "$in" "$T/o-walk-$m"
	oneline dangling.jpg "no such file"
	clean "$T/o-walk-$m" "a.jpg b.png "
	tag="odd list $m"
	expect 1 -m "$m" --files-from "$T/list" "$in" "$T/o-list-$m"
	oneline dangling.jpg "no such file"
	oneline dir.jpg "folder"
	oneline missing.jpg "no such file"
	clean "$T/o-list-$m" "a.jpg b.png "
done

# --- inputs that vanish or become a FIFO after the listing ---
# Five slow images come first (-j 1), and b.jpg is touched once the first
# of them is written: long before its turn, on a fast machine too (under
# ThreadSanitizer a full-size decode and resize is slow enough).
slow="-p blur=8,sharpen=2"
[ "${IMGPIPE_SAN:-}" = thread ] && slow="-p resize=400x400 --no-shrink-on-load"
for m in $modes; do
	for how in vanish fifo; do
		tag="$how $m"
		in=$T/in-$how-$m
		out=$T/out-$how-$m
		mkdir -p "$in"
		for a in a0 a1 a2 a3 a4; do
			cp "$SAMPLES/picos-de-europa.jpg" "$in/$a.jpg"
		done
		cp "$DATA/jpeg/testorig.jpg" "$in/b.jpg"
		cp "$DATA/jpeg/testorig.jpg" "$in/c.jpg"
		"$IMGPIPE" -m "$m" -j 1 $slow --quiet "$in" "$out" \
		    >"$T/stdout" 2>"$T/stderr" </dev/null &
		pid=$!
		i=0
		while [ ! -f "$out/a0.jpg" ] && [ "$i" -lt 400 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		rm "$in/b.jpg"
		[ "$how" = vanish ] || mkfifo "$in/b.jpg"
		# A reader blocked on the FIFO would never finish: time it out.
		i=0
		while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 300 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			fail "$tag: hung"
			kill -9 "$pid"
		fi
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
		n=$(stderr_lines_naming b.jpg)
		[ "$n" -eq 1 ] || fail "$tag: $n error lines for b.jpg"
		clean "$out" "a0.jpg a1.jpg a2.jpg a3.jpg a4.jpg c.jpg "
	done
done

# --- write errors ---
in=$T/wr
mkdir -p "$in"
cp "$SAMPLES/dandelions.jpg" "$in/big.jpg"
cp "$DATA/jpeg/testorig.jpg" "$in/small.jpg"
big=$(wc -c <"$SAMPLES/dandelions.jpg")

# RLIMIT_FSIZE (64 KiB): the big output cannot be written, the small one is.
for m in $modes; do
	tag="fsize $m"
	rc=0
	(ulimit -f 64 && exec "$IMGPIPE" -m "$m" -q 95 "$in" "$T/fs-$m") \
	    >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
	oneline big.jpg "write error"
	clean "$T/fs-$m" "small.jpg "
done

# A full disk: a 200 KiB tmpfs (root only; skipped where mount is refused).
mkdir -p "$mnt"
if [ "$(id -u)" -eq 0 ] && [ "$big" -gt 204800 ] &&
    mount -t tmpfs -o size=200k tmpfs "$mnt" 2>/dev/null; then
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
	if mount -o remount,ro "$mnt" 2>/dev/null; then
		tag="read-only"
		expect 2 "$in" "$mnt/o"
		grep -q "^imgpipe: .*Read-only\|^imgpipe: .*read-only" \
		    "$T/stderr" || fail "read-only: no reason given"
	fi
	umount "$mnt"
else
	echo "skipped: full-disk test (needs root and tmpfs)"
fi

# An unwritable sub-folder fails its images only (not as root: root
# writes anywhere, so the check runs as nobody when we are root).
as=""
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null &&
	    as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
fi
mkdir -p "$T/ro/in/sub" "$T/ro/out/sub"
cp "$DATA/jpeg/testorig.jpg" "$T/ro/in/a.jpg"
cp "$DATA/jpeg/testorig.jpg" "$T/ro/in/sub/b.jpg"
chmod 755 "$T" && chmod -R a+rwX "$T/ro" && chmod 555 "$T/ro/out/sub"
if [ "$(id -u)" -ne 0 ] || { [ -n "$as" ] && $as test -x "$IMGPIPE"; }; then
	for m in $modes; do
		tag="unwritable sub-folder $m"
		rm -f "$T/ro/out/a.jpg"
		rc=0
		$as "$IMGPIPE" -m "$m" -r "$T/ro/in" "$T/ro/out" \
		    >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
		[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
		oneline b.jpg "ermission denied"
		clean "$T/ro/out" "a.jpg "
	done
else
	echo "skipped: unwritable sub-folder (root without setpriv)"
fi

# --- allocation failure: RLIMIT_AS below what a hostile header asks for ---
# (Not under sanitizers: their shadow memory needs terabytes of addresses.)
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
if [ -z "${IMGPIPE_SAN:-}" ]; then
	for m in $modes; do
		tag="rlimit-as $m"
		rc=0
		(ulimit -v 400000 && exec "$IMGPIPE" -m "$m" --max-pixels 0 \
		    "$in" "$T/oom-$m") >"$T/stdout" 2>"$T/stderr" </dev/null ||
		    rc=$?
		[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
		oneline huge.png "out of memory"
		n=$(stderr_lines_naming huge.jpg)
		[ "$n" -eq 1 ] || fail "$tag: $n error lines for huge.jpg"
		clean "$T/oom-$m" "a.jpg z.png "
	done
fi

# --- a closed stderr (its reader quit): no SIGPIPE death midway ---
in=$T/pipe
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$in/a.jpg"
cp "$DATA/jpeg/testorig.jpg" "$in/b.jpg"
printf '\377\330\377junk' >"$in/bad.jpg"
for m in $modes; do
	tag="closed stderr $m"
	{
		sleep 0.3
		rc=0
		"$IMGPIPE" -m "$m" -v --progress --timeline "$in" \
		    "$T/pipe-$m" 2>&1 >/dev/null </dev/null || rc=$?
		echo "$rc" >"$T/rc"
	} | true
	[ "$(cat "$T/rc")" -eq 1 ] || fail "$tag: exit $(cat "$T/rc"), want 1"
	clean "$T/pipe-$m" "a.jpg b.jpg "
done
finish
