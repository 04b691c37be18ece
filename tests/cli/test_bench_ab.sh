# bench/ab, the interleaved A/B of two binaries: its lines and fields, the
# byte check of the two outputs (the same binary twice: identical; another
# quality: differ), exit 2 for a run that fails and for a usage error, and
# its verdict read off made-up intervals.  Nothing is decided by a clock:
# the timings it prints are only checked for being there.
. "$(dirname "$0")/lib.sh"

AB=$TOP/bench/ab
ab()
{
	rc=0
	python3 -B "$AB" "$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
}

ab -n 2 -w 1 "$IMGPIPE" "$IMGPIPE" "$SAMPLES" -p resize=64x64
[ "$rc" -eq 0 ] || fail "same binary twice: exit $rc ($(cat "$T/stderr"))"
grep -q "^A: .* wall_s=[0-9.]* \[[0-9.]*-[0-9.]*\] cpu_s=.* peak_rss_mb=[0-9]* faults_k=" \
    "$T/stdout" || fail "no A line: $(cat "$T/stdout")"
grep -q "^B: " "$T/stdout" || fail "no B line"
grep -q "^ratio_b_over_a=[0-9.]* ci=[0-9.]*-[0-9.]* coverage=.* pairs=2 outputs=identical other_cpu_share=" \
    "$T/stdout" || fail "same binary: no ratio line with outputs=identical"
grep -q "^B takes .*x A's time" "$T/stdout" || fail "no verdict sentence"

cat >"$T/q40" <<EOS
#!/bin/sh
exec "$IMGPIPE" "\$@" -q 40
EOS
chmod +x "$T/q40"
ab -n 1 -w 1 "$IMGPIPE" "$T/q40" "$SAMPLES" -p resize=64x64
[ "$rc" -eq 0 ] || fail "another quality: exit $rc"
grep -q "outputs=differ" "$T/stdout" || fail "another quality: not told apart"

printf '#!/bin/sh\nexit 3\n' >"$T/bad"
chmod +x "$T/bad"
ab -n 1 "$IMGPIPE" "$T/bad" "$SAMPLES" -p resize=64x64
[ "$rc" -eq 2 ] || fail "a failing binary: exit $rc, want 2"
grep -q "bad exited 3" "$T/stderr" || fail "the error does not name the run"
ab "$IMGPIPE"
[ "$rc" -eq 2 ] || fail "one argument: exit $rc, want 2"

got=$(python3 -B -c '
import importlib.machinery as m
ab = m.SourceFileLoader("ab", "'"$AB"'").load_module()
for ci in ((0.8, 0.9, 0.95), (1.1, 1.2, 0.95), (0.9, 1.1, 0.95)):
    print(ab.verdict(ci, (ci[0] + ci[1]) / 2).split(":")[1].split(",")[0])')
[ "$(echo $got)" = "faster slower no difference these rounds can show" ] ||
    fail "verdicts: $got"
finish
