# imgpipe report merge: three shards' reports, one with a damaged input,
# merge to the counts of one unsharded run; a rerun after the repair folds
# in, each input counted once; a report cut short or not a report stops
# the merge with one line and nothing on stdout.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
for f in basn0g08 basn2c08 basn3p08 basn4a08 basn6a08 basn0g16; do
	cp "$DATA/pngsuite/$f.png" "$in/"
done
cp "$DATA/jpeg/testorig.jpg" "$in/"
# A JPEG cut short: fails with "truncated"; a text file: skipped.
head -c 3000 "$DATA/jpeg/testimgint.jpg" >"$in/damaged.jpg"
echo "not an image" >"$in/notes.txt"

# m EXPR: a Python expression over the merged report on stdout, `m`.
m()
{
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/stdout" "$1"
}

cd "$T" || exit 1
mkdir reports
expect 1 "$in" "$T/all" --report all.json
want=$(report_get all.json 'r["images"]')
for k in 1 2 3; do
	run "$in" "$T/out" --shard "$k/3" --report "reports/shard-$k.json"
	[ -s "reports/shard-$k.json" ] || fail "shard $k/3 wrote no report"
done
bad=$(grep -l '"damaged.jpg"' reports/shard-*.json)
[ "$(echo "$bad" | wc -l)" -eq 1 ] || fail "damaged.jpg in no single shard: $bad"
err=$(report_get all.json \
    '[f["error"] for f in r["files"] if f["input"] == "damaged.jpg"][0]')

tag="merge of 3 shards"
expect 1 report merge reports/shard-1.json reports/shard-2.json \
    reports/shard-3.json
[ "$(m 'm["images"]')" = "$want" ] ||
    fail "$tag: images $(m 'm["images"]'), an unsharded run $want"
[ "$(m '(m["version"], m["kind"], m["shards"], m["duplicates"])')" = \
    "(1, 'merged', 3, 0)" ] || fail "$tag: header $(head -c 200 "$T/stdout")"
[ "$(m 'm["failed"]')" = \
    "[{'input': 'damaged.jpg', 'error': '$err', 'shard': '$bad'}]" ] ||
    fail "$tag: failed $(m 'm["failed"]'), want damaged.jpg, '$err', $bad"
[ "$(m 'len(m["files"]) == m["images"]["ok"] + m["images"]["failed"] == 8')" = True ] ||
    fail "$tag: files[] does not list the 8 images once"
[ "$(m 'sorted(set(f["shard"] for f in m["files"]))')" = \
    "['reports/shard-1.json', 'reports/shard-2.json', 'reports/shard-3.json']" ] ||
    fail "$tag: files' shards $(m 'sorted(set(f["shard"] for f in m["files"]))')"
[ "$(m 'abs(m["megapixels_in"] - '"$(report_get all.json 'r["megapixels_in"]')"') <= 0.011')" = True ] ||
    fail "$tag: megapixels_in $(m 'm["megapixels_in"]') differs from the unsharded run's"
[ "$(m 'abs(m["cpu_s"] - sum(f["cpu_s"] for f in m["files"])) < 1e-3')" = True ] ||
    fail "$tag: cpu_s is not the sum of the files' cpu_s"
python3 -c 'import json,sys
m=json.load(open(sys.argv[1]))
rs=[json.load(open(p)) for p in sys.argv[2:]]
sys.exit(not (abs(m["cpu_user_s"] - sum(r["cpu_user_s"] for r in rs)) < 0.002
    and abs(m["cpu_sys_s"] - sum(r["cpu_sys_s"] for r in rs)) < 0.002
    and m["wall_s_max"] == max(r["wall_s"] for r in rs)))' \
    "$T/stdout" reports/shard-*.json ||
    fail "$tag: cpu_user_s, cpu_sys_s, wall_s_max are not the shards' sums and max"
[ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$tag: stderr is not one line"
grep -q '^merged 3 reports: 7 ok, 1 failed, 1 skipped; [0-9.]* MP; [0-9.]* CPU-s$' \
    "$T/stderr" || fail "$tag: summary '$(cat "$T/stderr")'"

# The repair, a rerun of that shard with --skip-existing into its own
# report, and the merge of all four: every input once, nothing failed.
tag="merge with a rerun"
cp "$DATA/jpeg/testimgint.jpg" "$in/damaged.jpg"
k=$(echo "$bad" | sed 's/.*shard-\([0-9]\)\.json/\1/')
expect 0 "$in" "$T/out" --shard "$k/3" --skip-existing --report rerun.json
[ "$(report_get rerun.json '[f["input"] for f in r["files"]]')" = "['damaged.jpg']" ] ||
    fail "$tag: the rerun wrote $(report_get rerun.json '[f["input"] for f in r["files"]]')"
for order in "reports/shard-1.json reports/shard-2.json reports/shard-3.json rerun.json" \
    "rerun.json reports/shard-3.json reports/shard-2.json reports/shard-1.json"; do
	# shellcheck disable=SC2086
	expect 0 report merge $order
	[ "$(m 'm["images"]')" = "{'ok': 8, 'warning': 0, 'failed': 0, 'skipped': 1}" ] ||
	    fail "$tag ($order): images $(m 'm["images"]')"
	[ "$(m '(m["duplicates"], m["failed"], len(m["files"]), len(set(f["input"] for f in m["files"])))')" = \
	    "(1, [], 8, 8)" ] || fail "$tag ($order): not each input once"
	[ "$(m '[f["shard"] for f in m["files"] if f["input"] == "damaged.jpg"]')" = "['rerun.json']" ] ||
	    fail "$tag ($order): damaged.jpg not from the rerun"
	grep -q '^merged 4 reports: 8 ok, 0 failed, 1 skipped; .*; 1 duplicate entry folded' \
	    "$T/stderr" || fail "$tag: summary '$(cat "$T/stderr")'"
done

# refused FILE REASON: exit 2, one line naming FILE with REASON, no stdout.
refused()
{
	tag="merge of $1"
	expect 2 report merge reports/shard-1.json "$1"
	[ "$(wc -l <"$T/stderr")" -eq 1 ] || fail "$tag: stderr is not one line"
	grep -q "^imgpipe: $1: .*$2" "$T/stderr" ||
	    fail "$tag: stderr '$(cat "$T/stderr")', want '$1: ...$2'"
	[ ! -s "$T/stdout" ] || fail "$tag: something on stdout"
}
size=$(wc -c <reports/shard-2.json)
head -c $((size / 2)) reports/shard-2.json >cut.json
refused cut.json "offset $((size / 2)): unexpected end (truncated?)"
echo '{"photos": [1, 2]}' >other.json
refused other.json 'not an imgpipe report (no "version")'
sed 's/"version": 1/"version": 7/' reports/shard-2.json >v7.json
refused v7.json 'report version 7 is not known'
refused missing.json 'cannot open'

tag="usage"
for args in "report" "report frobnicate" "report merge" "report merge -x all.json"; do
	# shellcheck disable=SC2086
	expect 2 $args
	[ ! -s "$T/stdout" ] || fail "imgpipe $args: something on stdout"
	grep -q 'usage: imgpipe report merge FILE' "$T/stderr" ||
	    fail "imgpipe $args: no usage line"
done
finish
