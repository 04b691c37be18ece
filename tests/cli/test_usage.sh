# Command line usage: --help, --version, unknown options, bad pipeline
# specs (exit 2, quoting the offending token), bad option values.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$in/"

expect 0 --help
grep -qi 'usage' "$T/stdout" || fail "--help prints no usage on stdout"
grep -q -e '--pipeline' "$T/stdout" || fail "--help does not list --pipeline"
expect 0 --version
grep -q 'imgpipe' "$T/stdout" || fail "--version does not name imgpipe"
grep -q '[0-9]' "$T/stdout" || fail "--version prints no version number"

expect 2 --no-such-option "$in" "$T/out"
grep -q 'no-such-option' "$T/stderr" || fail "unknown option not named"
expect 2
expect 2 "$in"
expect 2 "$T/does-not-exist" "$T/out"

# Each bad spec must be refused and quote its bad token.
for spec in frobnicate resize=abc rotate=45 blur=1000 brightness=500 \
    'resize=100x100:sideways' 'crop=10x10+5' gamma=0 'resize=800x600,,blur=1'; do
	expect 2 "$in" "$T/out" -p "$spec"
	case $spec in
	*,,*) token='' ;;
	*=*) token=${spec#*=} token=${token##*:} ;;
	*) token=$spec ;;
	esac
	[ -z "$token" ] || grep -q -F -e "$token" "$T/stderr" ||
	    fail "-p '$spec': message does not quote '$token'"
	[ ! -e "$T/out/testorig.jpg" ] || fail "-p '$spec' wrote output"
done

for opt in "-q 0" "-q 101" "--png-level 10" "-f gif" "-m nosuchmode" \
    "--shard 0/3" "--shard 4/3" "--shard x" "--background zzzzzz" "-j 0"; do
	# shellcheck disable=SC2086
	expect 2 "$in" "$T/out" $opt
done
[ ! -e "$T/out/testorig.jpg" ] || fail "a usage error wrote output"
finish
