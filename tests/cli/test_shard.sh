# --shard K/N: the shares are disjoint and together equal the unsharded
# run's outputs.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
for f in basn0g08 basn2c08 basn3p08 basn4a08 basn6a08 basn0g16 basn2c16; do
	cp "$DATA/pngsuite/$f.png" "$in/"
done
cp "$DATA/jpeg/testorig.jpg" "$DATA/jpeg/testimgint.jpg" "$in/"

expect 0 "$in" "$T/all"
listfiles "$T/all" >"$T/all.list"
[ "$(wc -l <"$T/all.list")" -eq 9 ] || fail "unsharded run wrote no 9 files"
: >"$T/union"
for k in 1 2 3; do
	expect 0 "$in" "$T/s$k" --shard "$k/3"
	[ -d "$T/s$k" ] && listfiles "$T/s$k" >>"$T/union"
	[ "$(nfiles "$T/s$k")" -gt 0 ] || fail "shard $k/3 is empty"
done
LC_ALL=C sort "$T/union" >"$T/union.sorted"
check "shards overlap" [ -z "$(uniq -d "$T/union.sorted")" ]
check "union of shards differs from the whole" \
    cmp -s "$T/union.sorted" "$T/all.list"
# Shards are deterministic: the same share twice gives the same files.
expect 0 "$in" "$T/s2again" --shard 2/3
check "shard 2/3 not deterministic" \
    [ "$(listfiles "$T/s2")" = "$(listfiles "$T/s2again")" ]
expect 0 "$in" "$T/s11" --shard 1/1
check "--shard 1/1 is not the whole" \
    [ "$(listfiles "$T/s11")" = "$(cat "$T/all.list")" ]
finish
