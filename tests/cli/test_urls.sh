# URL inputs (--urls): photos downloaded from the loopback server give the
# same bytes as the same files read from disk, in every mode; -j 64 keeps 64
# transfers in flight; output names mirror the URL's path (query dropped,
# host_PORT folder when two hosts are named, dot and empty segments
# refused); --skip-existing, --shard, --dry-run, --report and "--urls -".
. "$(dirname "$0")/lib.sh"
need_urls

in=$T/in
mkdir -p "$in/sub"
cp "$DATA/photos/apple-iphone7.jpg" "$SAMPLES/sunset-progressive.jpg" \
    "$SAMPLES/wine-portrait-orient6.jpg" "$DATA/pngsuite/basn2c08.png" "$in/"
cp "$SAMPLES/dogs-portrait-orient8.jpg" "$in/sub/"
if need_format webp; then
	cp "$DATA/photos/apple-iphonex.webp" "$in/"
fi
if need_format heic; then
	cp "$DATA/photos/apple-iphone11pro.heic" "$in/"
fi
job=resize=160x160

serve "$in"
base=http://127.0.0.1:$PORT
(cd "$in" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) |
    sed "s|^|$base/|" >"$T/urls"

# The reference: the same files from disk.
expect 0 -m seq -r -p "$job" --no-progress "$in" "$T/ref"
want=$(listfiles "$T/ref" | tr '\n' ' ')

# same OUT: OUT holds exactly the reference's files, byte for byte.
same()
{
	_got=$(listfiles "$1" 2>/dev/null | tr '\n' ' ')
	[ "$_got" = "$want" ] || fail "$tag: outputs '$_got', want '$want'"
	for _f in $(listfiles "$T/ref"); do
		[ -f "$1/$_f" ] || continue
		cmp -s "$T/ref/$_f" "$1/$_f" ||
		    fail "$tag: $_f differs from the file read from disk"
	done
	check "$tag: temporary file left behind" no_tmp "$1"
}

set_modes
configs="$modes coop:--offload threads:--gil threads:--gil=release-in-c"
for cfg in $configs; do
	mode=${cfg%%:*}
	extra=
	[ "$cfg" = "$mode" ] || extra=${cfg#*:}
	tag="$mode${extra:+ $extra}"
	out=$T/out-$(echo "$cfg" | tr -c 'a-z0-9\n' _)
	# shellcheck disable=SC2086
	expect 0 -m "$mode" $extra -j 4 -p "$job" --no-progress \
	    --urls "$T/urls" "$out"
	same "$out"
done

# 64 distinct URLs, 64 in flight, in the modes built for that many.
small=apple-iphone7.jpg
i=1
: >"$T/urls64"
while [ "$i" -le 64 ]; do
	echo "$base/copy/$i/$small" >>"$T/urls64"
	i=$((i + 1))
done
for mode in threads coop; do
	tag="$mode -j 64"
	out=$T/out64-$mode
	expect 0 -m "$mode" -j 64 -p "$job" --no-progress --urls "$T/urls64" \
	    "$out"
	[ "$(nfiles "$out" 2>/dev/null || echo 0)" -eq 64 ] ||
	    fail "$tag: $(nfiles "$out") outputs, want 64"
	i=1
	while [ "$i" -le 64 ]; do
		cmp -s "$T/ref/$small" "$out/copy/$i/$small" ||
		    fail "$tag: copy/$i/$small missing or not the disk's bytes"
		i=$((i + 1))
	done
done

# The query and the fragment are not part of the name.
tag=query
printf '%s\n' "$base/$small?width=100&x=%2F" "$base/sub/dogs-portrait-orient8.jpg#top" \
    >"$T/urlsq"
expect 0 -p "$job" --no-progress --urls "$T/urlsq" "$T/outq"
clean "$T/outq" "$small sub/dogs-portrait-orient8.jpg "
cmp -s "$T/ref/$small" "$T/outq/$small" || fail "$tag: $small differs"

# Two hosts: each host (with _PORT) is the first folder.
tag="two hosts"
printf '%s\n' "$base/$small" "http://localhost:$PORT/$small" >"$T/urlsh"
expect 0 -p "$job" --no-progress --urls "$T/urlsh" "$T/outh"
clean "$T/outh" "127.0.0.1_$PORT/$small localhost_$PORT/$small "

# Dot segments (also percent-encoded), empty segments and NUL bytes are
# refused, one line each; the good URL is still written.
tag="bad paths"
bad1="$base/sub/../$small"
bad2="$base/%2e%2e/$small"
bad3="$base//$small"
bad4="$base/a%00b.jpg"
bad5="$base/./$small"
printf '%s\n' "$bad1" "$bad2" "$bad3" "$bad4" "$bad5" "$base/$small" \
    >"$T/urlsb"
expect 1 -p "$job" --no-progress --urls "$T/urlsb" "$T/outb"
for u in "$bad1" "$bad2" "$bad3" "$bad4" "$bad5"; do
	_n=$(grep -cF "$u" "$T/stderr" || true)
	[ "$_n" -eq 1 ] || fail "$tag: $_n error lines naming $u, want 1"
done
clean "$T/outb" "$small "

# --skip-existing: an existing output counts as done (there is no input
# time to compare with); a missing one is downloaded again.
tag=skip-existing
out=$T/out-seq
echo kept >"$out/$small"
rm "$out/sunset-progressive.jpg"
expect 0 -m seq -p "$job" --no-progress --skip-existing --urls "$T/urls" \
    "$out"
[ "$(cat "$out/$small")" = kept ] || fail "$tag: existing output rewritten"
cmp -s "$T/ref/sunset-progressive.jpg" "$out/sunset-progressive.jpg" ||
    fail "$tag: missing output not written again"

# --shard: two shares of the URL list, disjoint, together all of it.
tag=shard
expect 0 -p "$job" --no-progress --shard 1/2 --urls "$T/urls" "$T/outs"
n1=$(nfiles "$T/outs")
expect 0 -p "$job" --no-progress --shard 2/2 --urls "$T/urls" "$T/outs"
[ "$n1" -gt 0 ] && [ "$n1" -lt "$(nfiles "$T/ref")" ] ||
    fail "$tag: share 1/2 wrote $n1 of $(nfiles "$T/ref")"
same "$T/outs"

# --dry-run: nothing written, the planned sizes listed (from a range
# request for the header).
tag=dry-run
expect 0 -n -p resize=100x100 --urls "$T/urls" "$T/outn"
[ ! -d "$T/outn" ] || [ "$(nfiles "$T/outn")" -eq 0 ] ||
    fail "$tag: files written"
grep "sunset-progressive" "$T/stdout" | grep -q '100x' ||
    fail "$tag: no planned size for sunset-progressive.jpg"
grep -q "sub/dogs-portrait-orient8" "$T/stdout" ||
    fail "$tag: sub/dogs-portrait-orient8.jpg not listed"

# --report: the download fields of each file.
tag=report
expect 0 -p "$job" --no-progress --report "$T/r.json" --urls "$T/urls" \
    "$T/outr"
ok=$(python3 - "$T/r.json" "$base/" "$in/" <<'EOF'
import json, os, sys
r = json.load(open(sys.argv[1]))
base, root = sys.argv[2], sys.argv[3]
bad = [f for f in r["files"]
       if not f["url"].startswith(base) or f["http_status"] != 200
       or not f["download_s"] > 0 or not f["cpu_s"] > 0
       or f["download_bytes"] != os.path.getsize(root + f["url"][len(base):])]
print(len(r["files"]), [f["url"] for f in bad])
EOF
)
[ "$ok" = "$(nfiles "$in") []" ] ||
    fail "$tag: url, http_status, download_s, download_bytes or cpu_s wrong (files, wrong ones: $ok)"

# "--urls -" reads the list from stdin.
tag=stdin
rc=0
"$IMGPIPE" -p "$job" --no-progress --urls - "$T/outi" <"$T/urls" \
    >"$T/stdout" 2>"$T/stderr" || rc=$?
[ "$rc" -eq 0 ] || fail "$tag: exit $rc, want 0"
same "$T/outi"
finish
