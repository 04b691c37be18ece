# HTTPS: certificates are verified.  A server whose CA is not trusted (no
# --cacert) and one whose certificate names another host each give one
# "TLS: ..." line for the URL; with --cacert and the certificate for
# 127.0.0.1 the photo is written, the same bytes as from disk.  The server
# is Python's ssl module with the certificates of tests/data/tls/.
. "$(dirname "$0")/lib.sh"
need_urls

tls=$DATA/tls
in=$T/in
mkdir -p "$in"
cp "$DATA/photos/apple-iphone7.jpg" "$in/"
job=resize=160x160
expect 0 -m seq -p "$job" --no-progress "$in" "$T/ref"

# tlsserv NAME: an HTTPS server on $in with certificate NAME; sets $PORT.
tlsserv()
{
	rm -f "$T/tls.port"
	python3 "$CLI_DIR/tlsserv.py" --root "$in" --cert "$tls/$1.pem" \
	    --key "$tls/$1.key" --port-file "$T/tls.port" \
	    >"$T/tls.out" 2>&1 </dev/null &
	stop_at_exit $!
	wait_port "$T/tls.port"
}

# tls_fails TAG REASON ARGS...: one TLS line for the URL, saying REASON.
tls_fails()
{
	tag=$1
	_why=$2
	shift 2
	echo "$url" >"$T/urls"
	rm -rf "$T/out"
	expect 1 -p "$job" --no-progress --retries 0 "$@" --urls "$T/urls" \
	    "$T/out"
	_n=$(grep -cF "$url: " "$T/stderr" || true)
	[ "$_n" -eq 1 ] || fail "$tag: $_n error lines for $url, want 1"
	grep -F "$url: " "$T/stderr" | grep -q "TLS: " ||
	    fail "$tag: the line for $url does not start its reason with 'TLS: '"
	grep -F "$url: " "$T/stderr" | grep -qi "$_why" ||
	    fail "$tag: the line for $url does not say '$_why'"
	[ "$(nfiles "$T/out" 2>/dev/null || echo 0)" -eq 0 ] ||
	    fail "$tag: a file written"
	[ "$_n" -eq 1 ] || sed 's/^/  | /' "$T/stderr"
}

tlsserv ip
url=https://127.0.0.1:$PORT/apple-iphone7.jpg
tls_fails "untrusted CA" "certificate"

tlsserv wrong-name
url=https://127.0.0.1:$PORT/apple-iphone7.jpg
tls_fails "wrong name" "name" --cacert "$tls/ca.pem"

tlsserv ip
url=https://127.0.0.1:$PORT/apple-iphone7.jpg
echo "$url" >"$T/urls"
for mode in seq coop; do
	tag="trusted $mode"
	expect 0 -m "$mode" -p "$job" --no-progress --cacert "$tls/ca.pem" \
	    --urls "$T/urls" "$T/out-$mode"
	cmp -s "$T/ref/apple-iphone7.jpg" "$T/out-$mode/apple-iphone7.jpg" ||
	    fail "$tag: not written, or not the bytes read from disk"
done
finish
