# Faults from outside the images, in every mode: odd inputs (a folder, a
# FIFO, a dangling symlink, a file that vanishes or turns into a FIFO after
# the listing), a write error (RLIMIT_FSIZE) and a closed stderr.  Each
# costs its own image only: one error line, the rest of the batch written
# completely, exit 1, no temporary file, no hang.  A full disk, an
# unwritable sub-folder and allocation failure are test_full_disk,
# test_unwritable_dir and test_oom: each may be unable to run here.
. "$(dirname "$0")/lib.sh"

set_modes

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
