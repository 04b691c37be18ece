# Hostile servers, in every mode, in one batch with good URLs: a 404, a 500,
# a redirect loop, a drip past --timeout, a body shorter than its
# Content-Length, a body over --max-body (by Content-Length and chunked), a
# reset mid-body and an HTML page each give one error line naming the URL,
# the same line in every mode;
# the good URLs are written, exit 1, no partial and no temporary file.
# Then the retries: 503 twice is overcome by the default --retries 2 and
# not by --retries 1.
. "$(dirname "$0")/lib.sh"
need_urls

in=$T/in
mkdir -p "$in/sub"
cp "$DATA/photos/apple-iphone7.jpg" "$SAMPLES/sunset-progressive.jpg" \
    "$SAMPLES/wine-portrait-orient6.jpg" "$SAMPLES/picos-de-europa.jpg" \
    "$in/"
cp "$SAMPLES/dogs-portrait-orient8.jpg" "$in/sub/"
job=resize=160x160
serve "$in"
base=http://127.0.0.1:$PORT

# The names to find in the error lines, and what each must say.
bad="$base/_/status/404|404
$base/_/status/500|500
$base/_/redirect-loop|redirect
$base/_/drip/apple-iphone7.jpg|time
$base/_/short/wine-portrait-orient6.jpg|
$base/picos-de-europa.jpg|max-body
$base/_/chunked/picos-de-europa.jpg|max-body
$base/_/reset/sunset-progressive.jpg|
$base/_/html|"
good="apple-iphone7.jpg sub/dogs-portrait-orient8.jpg"
{
	echo "# good and bad, mixed"
	echo "$base/apple-iphone7.jpg"
	echo "$bad" | cut -d'|' -f1
	echo
	echo "$base/sub/dogs-portrait-orient8.jpg"
} >"$T/urls"
expect 0 -m seq -r -p "$job" --no-progress "$in" "$T/ref"

set_modes
configs="$modes coop:--offload threads:--gil threads:--gil=release-in-c"
for cfg in $configs; do
	mode=${cfg%%:*}
	extra=
	[ "$cfg" = "$mode" ] || extra=${cfg#*:}
	tag="$mode${extra:+ $extra}"
	out=$T/out-$(echo "$cfg" | tr -c 'a-z0-9\n' _)
	# shellcheck disable=SC2086
	expect 1 -m "$mode" $extra -j 4 -p "$job" --no-progress \
	    --retries 0 --timeout 2 --max-body 1M --urls "$T/urls" "$out"
	echo "$bad" | while IFS='|' read -r u why; do
		_n=$(grep -cF "$u: " "$T/stderr" || true)
		[ "$_n" -eq 1 ] || echo "FAIL: $tag: $_n error lines naming $u, want 1"
		[ -z "$why" ] || grep -F "$u: " "$T/stderr" | grep -qi "$why" ||
		    echo "FAIL: $tag: the line for $u does not say '$why'"
	done >"$T/checks"
	if [ -s "$T/checks" ]; then
		cat "$T/checks"
		nfail=$((nfail + $(wc -l <"$T/checks")))
		sed 's/^/  | /' "$T/stderr"
	fi
	# The same server gives the same line in every mode (one client
	# code judges both the blocking and the multi transfers).
	grep -F "$base/" "$T/stderr" | LC_ALL=C sort >"$T/lines-$mode$extra"
	if [ -z "${ref_lines:-}" ]; then
		ref_lines=$T/lines-$mode$extra
		ref_tag=$tag
	elif ! cmp -s "$ref_lines" "$T/lines-$mode$extra"; then
		fail "$tag: error lines differ from $ref_tag's:"
		diff "$ref_lines" "$T/lines-$mode$extra" | sed 's/^/  | /'
	fi
	# Only the good ones, whole; nothing of a bad one, not even a
	# temporary file.
	clean "$out" "$good "
	[ -z "$(find "$out" -name '.*.imgpipe-*.tmp')" ] ||
	    fail "$tag: temporary file left"
	for f in $good; do
		cmp -s "$T/ref/$f" "$out/$f" || fail "$tag: $f differs"
	done
done

# Retries: the blocking client (threads) and the multi driver (coop).  Each
# run asks for its own path, so the server's count of 503s starts afresh.
k=0
for mode in threads coop; do
	k=$((k + 1))
	tag="$mode retries"
	u=$base/_/flaky/2/copy/$k/apple-iphone7.jpg
	echo "$u" >"$T/urlsf"
	expect 0 -m "$mode" -p "$job" --no-progress --urls "$T/urlsf" \
	    "$T/outf-$mode"
	cmp -s "$T/ref/apple-iphone7.jpg" \
	    "$T/outf-$mode/_/flaky/2/copy/$k/apple-iphone7.jpg" ||
	    fail "$tag: not written after two 503s with --retries 2"
	k=$((k + 1))
	u=$base/_/flaky/2/copy/$k/apple-iphone7.jpg
	echo "$u" >"$T/urlsf"
	expect 1 -m "$mode" -p "$job" --no-progress --retries 1 \
	    --urls "$T/urlsf" "$T/outg-$mode"
	_n=$(grep -cF "$u: " "$T/stderr" || true)
	[ "$_n" -eq 1 ] || fail "$tag: $_n error lines for $u, want 1"
	grep -F "$u: " "$T/stderr" | grep -q 503 ||
	    fail "$tag: the line for $u does not say 503"
	[ "$(nfiles "$T/outg-$mode" 2>/dev/null || echo 0)" -eq 0 ] ||
	    fail "$tag: a file written for a URL that failed"
done
finish
