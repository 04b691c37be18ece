# bench/compare on two made-up results.json (schema imgpipe-bench/1): the
# configurations both have, B/A, "yes" only where the intervals do not
# overlap, the warnings when build flags, machine and inputs differ, exit 2
# for a file of another schema; and the order-statistic interval of
# bench/stability.py.  Figures are written here, nothing is timed.
. "$(dirname "$0")/lib.sh"

# results NAME CFLAGS THREADS INPUTS SEQ_LO SEQ_HI JTWO_LO JTWO_HI
results()
{
	mkdir -p "$T/$1"
	python3 - "$T/$1/results.json" "$2" "$3" "$4" "$5" "$6" "$7" "$8" <<'PY'
import json, sys
out, cflags, threads, inputs = sys.argv[1:5]
slo, shi, jlo, jhi = map(float, sys.argv[5:9])


def config(tag, lo, hi):
    return {"config": tag, "kind": "imgpipe", "mode": "threads",
            "workers": 2, "variant": "-", "command": "", "status": {},
            "samples": [], "summary": {"wall_s": (lo + hi) / 2,
                                       "wall_ci_lo": lo, "wall_ci_hi": hi}}


doc = {"schema": "imgpipe-bench/1", "started": "x", "quick": False,
       "imgpipe": {"version": "imgpipe 0.1.0", "cflags": cflags},
       "corpus": {"status": "verified", "manifest_sha256": "ab"},
       "machine": {"cpu_model": "cpu", "threads": int(threads)},
       "other_cpu_share": 0.0,
       "workloads": [{"workload": "thumb", "images": 4,
                      "inputs_sha256": inputs,
                      "configs": [config("seq", slo, shi),
                                  config("threads-j2", jlo, jhi)]}]}
json.dump(doc, open(out, "w"))
PY
}

compare()
{
	rc=0
	python3 -B "$TOP/bench/compare" "$@" >"$T/stdout" 2>"$T/stderr" || rc=$?
}

results a -O2 2 h1 1.00 1.10 0.50 0.55
results b -O2 2 h1 1.05 1.15 0.40 0.45
compare "$T/a" "$T/b"
[ "$rc" -eq 0 ] || fail "compare a b: exit $rc"
grep -q '^warning' "$T/stdout" && fail "warnings for two like runs"
grep -q '^seq .*no (within the spread)' "$T/stdout" ||
    fail "overlapping seq intervals not 'within the spread'"
grep -q '^threads-j2 .*0\.81.*yes: B better' "$T/stdout" ||
    fail "threads-j2: B/A 0.81, intervals apart, not 'yes: B better'"

results c -O3 64 h2 1.00 1.10 0.60 0.70
compare "$T/a" "$T/c/results.json"
for w in 'build flags differ' 'machine differs: threads A 2, B 64' \
    'thumb: inputs differ'; do
	grep -q "^warning: $w" "$T/stdout" || fail "no warning '$w'"
done
grep -q '^threads-j2 .*yes: B worse' "$T/stdout" || fail "not 'B worse'"

# host NAME HOST OURS: a run whose host reference (ceiling) took HOST s
# and imgpipe's threads-j2 OURS s (seq twice that).
host()
{
	mkdir -p "$T/$1"
	python3 - "$T/$1/results.json" "$2" "$3" <<'PY'
import json, sys
out, host, ours = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])


def config(tag, kind, wall, extra):
    s = {"wall_s": wall, "wall_ci_lo": wall * 0.99, "wall_ci_hi": wall * 1.01}
    s.update(extra)
    return {"config": tag, "kind": kind, "summary": s}


doc = {"schema": "imgpipe-bench/1", "quick": False,
       "imgpipe": {"version": "v", "cflags": "-O2"},
       "corpus": {"status": "verified", "manifest_sha256": "ab"},
       "machine": {"cpu_model": "cpu", "threads": 2},
       "workloads": [{"workload": "thumb", "images": 4, "inputs_sha256": "h",
                      "configs": [
                          config("seq", "imgpipe", 2 * ours, {"speedup": 1.0}),
                          config("threads-j2", "imgpipe", ours,
                                 {"speedup": 1.0 / ours}),
                          config("ceiling", "ceiling", host, {})]}]}
json.dump(doc, open(out, "w"))
PY
}
host h1 1.00 0.50
host h2 0.90 0.45
compare "$T/h1" "$T/h2"
grep -q "^host: .*ceiling 0.900.*the shift is the host's speed" "$T/stdout" ||
    fail "a 10% faster host and 10% faster rows: not read as the host's"
host h3 1.00 0.40
compare "$T/h1" "$T/h3"
grep -q "^host: .*ran 20% faster in B" "$T/stdout" ||
    fail "rows 20% faster on the same host: not read as imgpipe's own"

echo '{"schema": "other/1"}' >"$T/bad.json"
compare "$T/a" "$T/bad.json"
[ "$rc" -eq 2 ] || fail "another schema: exit $rc, want 2"
grep -q 'bad.json' "$T/stderr" || fail "the error does not name the file"
compare "$T/a"
[ "$rc" -eq 2 ] || fail "one argument: exit $rc, want 2"

# 5 values: min..max (coverage 1 - 2/32); 10: the 2nd and 9th.
got=$(cd "$TOP/bench" && python3 -B -c '
import stability as s
print(s.median_ci([5, 1, 4, 2, 3]), s.median_ci(list(range(10))))')
[ "$got" = "(1, 5, 0.9375) (1, 8, 0.978515625)" ] ||
    fail "median_ci: $got"
finish
