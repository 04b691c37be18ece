# --cpus and --pin: the report's "cpus" is the list the run was allowed and
# every image computed on one of them (sched_getcpu at the end of its
# compute, the file's "cpu"); with --pin the map is the order sysfs gives
# (worked out here from sysfs on its own, not copied from imgpipe), and
# each image computed on its worker's CPU.  Bad lists and policies are
# usage errors (exit 2, one message line).  Every mode this build runs.
. "$(dirname "$0")/lib.sh"

in=$T/in
mkdir -p "$in"
for i in 1 2 3 4 5 6; do
	cp "$DATA/jpeg/testorig.jpg" "$in/t$i.jpg"
done
set_modes

# The CPUs this test may use, lowest first, and the orders --pin should
# give over them: pin_order's rules, read from sysfs by this script.
python3 - >"$T/expect" <<-'PY'
import glob, os, re

def text(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None

def cpulist(s):
    out = set()
    for part in (s or "").split(","):
        if part:
            a, _, b = part.partition("-")
            out.update(range(int(a), int(b or a) + 1))
    return out

def number(path):
    s = text(path)
    return int(s) if s is not None and re.fullmatch(r"\d+", s) else -1

sysd = "/sys/devices/system"
online = cpulist(text(sysd + "/cpu/online")) or os.sched_getaffinity(0)
allowed = sorted(online & os.sched_getaffinity(0))
node = {}
for d in glob.glob(sysd + "/node/node[0-9]*"):
    for c in cpulist(text(d + "/cpulist")):
        node[c] = int(d.rsplit("node", 1)[1])
cores, groups = {}, {}
for c in allowed:
    top = "%s/cpu/cpu%d/topology/" % (sysd, c)
    pkg, core = number(top + "physical_package_id"), number(top + "core_id")
    key = (pkg, core) if core >= 0 else ("alone", c)
    if key not in cores:
        cores[key] = []
        groups.setdefault((node.get(c, -1), pkg), []).append(key)
    cores[key].append(c)
spread = []
for pos in range(len(cores)):
    spread += [g[pos] for g in groups.values() if pos < len(g)]
by_core = []
for r in range(max(len(v) for v in cores.values())):
    by_core += [cores[k][r] for k in spread if r < len(cores[k])]
packed = [c for k in cores for c in cores[k]]
print(allowed[0])
print(",".join(map(str, by_core)))
print(",".join(map(str, packed)))
PY
first=$(sed -n 1p "$T/expect")
want_cores=$(sed -n 2p "$T/expect")
want_threads=$(sed -n 3p "$T/expect")

# check_report FILE MODE WANT_CPUS PIN WANT_MAP: the run's "cpus", its "pin"
# (null for none), and each written image's "cpu": with a map, worker i's
# CPU (seq and the coop loop: map[0]); without, one of the allowed CPUs.
check_report()
{
	python3 - "$@" <<-'PY' || fail "$2 --pin $4 (cpus $3): report does not match"
	import json, sys
	path, mode, cpus, pin, want = sys.argv[1:6]
	r = json.load(open(path))
	def cpulist(s):
	    out = set()
	    for part in s.split(","):
	        a, _, b = part.partition("-")
	        out.update(range(int(a), int(b or a) + 1))
	    return out
	assert r["cpus"] == cpus, (r["cpus"], cpus)
	files = [f for f in r["files"] if f["status"] == "ok"]
	assert len(files) == 6, r["files"]
	if pin == "none":
	    assert r["pin"] is None, r["pin"]
	    for f in files:
	        assert f["cpu"] in cpulist(cpus), f
	    sys.exit(0)
	m = [int(c) for c in want.split(",")]
	assert r["pin"] == {"policy": pin, "map": m}, (r["pin"], m)
	for f in files:
	    w = 0 if mode in ("seq", "coop") else f["worker"]
	    assert f["cpu"] == m[w % len(m)], (f, m)
	PY
}

for m in $modes; do
	# One CPU: all of the batch on it, whatever -j.
	expect 0 -m "$m" -j 2 --cpus "$first" -p resize=32x32 --quiet \
	    --report "$T/r.json" "$in" "$T/out-one-$m"
	check_report "$T/r.json" "$m" "$first" none ""
	for p in cores threads; do
		[ "$p" = cores ] && want=$want_cores || want=$want_threads
		expect 0 -m "$m" -j 2 --pin "$p" -p resize=32x32 --quiet \
		    --report "$T/r.json" "$in" "$T/out-$p-$m"
		check_report "$T/r.json" "$m" "$(report_get "$T/r.json" 'r["cpus"]')" \
		    "$p" "$want"
	done
done
# The coop pool (--offload) pins its slots as threads does.
expect 0 -m coop --offload -j 2 --pin cores -p resize=32x32 --quiet \
    --report "$T/r.json" "$in" "$T/out-offload"
check_report "$T/r.json" threads "$(report_get "$T/r.json" 'r["cpus"]')" \
    cores "$want_cores"
# The whole mask, unpinned: "cpus" lists what this process may use.
expect 0 -p resize=32x32 --quiet --report "$T/r.json" "$in" "$T/out-all"
[ "$(report_get "$T/r.json" 'r["cpus"]')" = "$(python3 -c '
import os
s = sorted(os.sched_getaffinity(0))
runs, a = [], s[0]
for i, c in enumerate(s):
    if i + 1 == len(s) or s[i + 1] != c + 1:
        runs.append(str(a) if a == c else "%d-%d" % (a, c))
        if i + 1 < len(s):
            a = s[i + 1]
print(",".join(runs))')" ] || fail "unpinned: \"cpus\" is not this process's mask"

# compare runs each mode in a child, which inherits --cpus: one CPU, so
# every parallel mode gets one worker by default.
expect 0 compare --cpus "$first" --pin cores --rounds 1 -p resize=32x32 \
    "$in" "$T/out-compare"
grep -Eq '^threads +1 ' "$T/stdout" ||
    fail "compare --cpus $first: threads row does not show 1 worker"

# Usage errors: exit 2, one message line naming the value, no output.
for bad in "--cpus 5-3" "--cpus x" "--cpus 999" "--cpus 0,,1" \
    "--cpus 4096" "--pin sideways"; do
	# shellcheck disable=SC2086
	expect 2 $bad "$in" "$T/out-bad"
	[ "$(grep -c '^imgpipe: ' "$T/stderr")" -eq 1 ] ||
	    fail "$bad: not one message line"
	grep -q -F -e "'${bad#* }'" "$T/stderr" || fail "$bad: value not quoted"
	[ ! -e "$T/out-bad" ] || fail "$bad: wrote output"
done
finish
