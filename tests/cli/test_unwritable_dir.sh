# An unwritable sub-folder of OUTPUT_DIR fails its own images only, in every
# mode: one "Permission denied" line, the rest written, exit 1.  Root
# writes anywhere, so as root the check runs as nobody (setpriv), on a copy
# of the binary in a folder nobody can reach: the build may sit under a
# home that nobody cannot enter.
. "$(dirname "$0")/lib.sh"

set_modes
as=""
bin=$IMGPIPE
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null ||
	    skip "as root the check runs as nobody, and setpriv is missing"
	as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	mkdir -p "$T/bin"
	cp "$IMGPIPE" "$T/bin/imgpipe"
	bin=$T/bin/imgpipe
fi
mkdir -p "$T/ro/in/sub" "$T/ro/out/sub"
cp "$DATA/jpeg/testorig.jpg" "$T/ro/in/a.jpg"
cp "$DATA/jpeg/testorig.jpg" "$T/ro/in/sub/b.jpg"
chmod 755 "$T" "$T/bin" 2>/dev/null
chmod -R a+rwX "$T/ro" && chmod 555 "$T/ro/out/sub"
# Anything that stops nobody running the binary is a broken test, not a pass.
$as "$bin" --version >/dev/null 2>"$T/stderr" ||
    fail "cannot run $bin${as:+ as nobody}: $(cat "$T/stderr")"
for m in $modes; do
	tag="unwritable sub-folder $m"
	rm -f "$T/ro/out/a.jpg"
	rc=0
	(cd "$T" && $as "$bin" -m "$m" -r "$T/ro/in" "$T/ro/out") \
	    >"$T/stdout" 2>"$T/stderr" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || fail "$tag: exit $rc, want 1"
	oneline b.jpg "ermission denied"
	clean "$T/ro/out" "a.jpg "
done
finish
