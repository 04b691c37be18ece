# imgpipe machine: the record as JSON has every field, its "threads" is the
# online CPU count sysfs gives; --watch samples until SIGTERM and then
# prints once, exit 0; compare --report writes the machine and the rows;
# usage errors exit 2.  No timing is asserted.
. "$(dirname "$0")/lib.sh"

fields="cpu_model sockets cores threads smt numa online affinity
cpufreq_driver governor boost freq_mhz throttled kernel thp
cgroup_cpu_limit cgroup_cpuset load1_before"

# check_record FILE [KEY]: FILE (or its object KEY) is the machine record.
check_record()
{
	python3 - "$1" "${2:-}" $fields <<'PY' || fail "$1: not the machine record"
import json, sys
doc = json.load(open(sys.argv[1]))
rec = doc[sys.argv[2]] if sys.argv[2] else doc
missing = [k for k in sys.argv[3:] if k not in rec]
if missing:
    sys.exit("missing: " + " ".join(missing))
q = rec["freq_mhz"]
for k in ("samples", "start", "min", "end", "mean"):
    if k not in q:
        sys.exit("freq_mhz lacks " + k)
PY
}

# online_count: CPUs in sysfs's online list (empty where there is none).
online_count()
{
	[ -r /sys/devices/system/cpu/online ] || return 0
	python3 -c '
import sys
n = 0
for part in open(sys.argv[1]).read().strip().split(","):
    a, _, b = part.partition("-")
    n += int(b or a) - int(a) + 1
print(n)' /sys/devices/system/cpu/online
}

# json_get FILE EXPR: a value of the JSON document d in FILE.
json_get()
{
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

expect 0 machine --json
cp "$T/stdout" "$T/m.json"
check_record "$T/m.json"
n=$(online_count)
if [ -z "$n" ]; then
	skip_part "threads: no /sys/devices/system/cpu/online here"
else
	got=$(json_get "$T/m.json" 'd["threads"]')
	[ "$got" = "$n" ] || fail "threads $got, sysfs lists $n online CPUs"
fi

expect 0 machine
grep -q '^threads: ' "$T/stdout" || fail "the text record has no threads line"
grep -q '^thp: ' "$T/stdout" || fail "the text record has no thp line"

# --watch: SIGTERM after a moment ends the watch, exit 0.  A signal that
# comes before imgpipe has blocked it (a slow start: a sanitizer build on
# a busy machine) ends the process instead, 128 + 15: then again with a
# longer moment.  A watch that never takes the signal fails every time.
wst=143
for moment in 0.3 1 5; do
	"$IMGPIPE" machine --json --watch 50 >"$T/w.json" 2>"$T/w.err" &
	pid=$!
	sleep "$moment"
	kill -TERM "$pid"
	wst=0
	wait "$pid" || wst=$?
	[ "$wst" -eq 143 ] || break
done
[ "$wst" -eq 0 ] || fail "--watch ended by SIGTERM: exit $wst, want 0"
! grep -q -e 'Sanitizer' -e 'runtime error:' "$T/w.err" ||
    fail "sanitizer report from --watch: $(cat "$T/w.err")"
check_record "$T/w.json"

# SIGINT too, though sh starts this background job with SIGINT ignored (a
# signal before imgpipe's handler is dropped: so it is sent again, every
# 0.2 s, 10 s at most, a safety bound).
"$IMGPIPE" machine --watch 50 >"$T/wi.txt" 2>"$T/wi.err" &
pid=$!
i=0
while kill -INT "$pid" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		fail "--watch not ended by SIGINT (10 s)"
		kill -TERM "$pid"
		break
	fi
	sleep 0.2
done
wst=0
wait "$pid" || wst=$?
[ "$wst" -eq 0 ] || fail "--watch ended by SIGINT: exit $wst, want 0"
grep -q '^freq_mhz: ' "$T/wi.txt" || fail "--watch ended by SIGINT printed no record"
[ "$(grep -c . "$T/w.json")" -eq 1 ] || fail "--watch printed more than one line"
if [ "$(json_get "$T/m.json" 'd["freq_mhz"]["samples"]')" -eq 0 ]; then
	skip_part "--watch samples: no CPU frequency readable here"
else
	s=$(json_get "$T/w.json" 'd["freq_mhz"]["samples"]')
	[ "$s" -ge 1 ] || fail "--watch took $s samples"
fi

expect 2 machine --bogus
[ "$(grep -c . "$T/stderr")" -eq 1 ] || fail "a bad option: not one line"
grep -q -e '--bogus' "$T/stderr" || fail "the bad option not named"
expect 2 machine --watch 0
expect 2 machine --watch
expect 2 machine --watch 10x

# compare --report: the machine record and each workload's rows.
if [ "${IMGPIPE_SAN:-}" = thread ]; then
	skip_part "compare --report: compare runs omp, and libgomp is not built for ThreadSanitizer"
else
	in=$T/in
	put_samples "$in" dragonfly.jpg nuthatch-vignette-alpha.png
	expect 0 compare "$in" "$T/out" -p resize=64x64 -j 2 --rounds 1 \
	    --report "$T/c.json"
	grep -q '^machine: ' "$T/stdout" || fail "compare printed no machine line"
	grep -q 'CPU frequency' "$T/stdout" || fail "compare's reading says nothing of the CPU frequency"
	check_record "$T/c.json" machine
	python3 - "$T/c.json" <<'PY' || fail "compare --report: bad workloads"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["version"] == 1 and d["kind"] == "compare", d
assert "other_cpu_share" in d
w = d["workloads"]
assert len(w) == 1 and w[0]["workload"] == "cpu", w
rows = w[0]["rows"]
modes = [r["mode"] for r in rows]
assert modes[0] == "seq" and "threads" in modes and "coop" in modes, modes
keys = ("mode", "workers", "wall_s", "img_s", "speedup", "cpu_s",
        "peak_rss_kb", "lag_p99_ms", "same_bytes")
for r in rows:
    for k in keys:
        assert k in r, (k, r)
    assert r["same_bytes"] is True, r
assert rows[0]["speedup"] == 1.0 and rows[0]["lag_p99_ms"] is None, rows[0]
PY
fi
finish
