# --fail-on none|truncated|error|warning on the damaged files of
# tests/data/damaged, in every mode: which images fail and which are
# written with a warning, the "imgpipe: NAME: warning: ..." lines, the
# report's "warning" status and message, the summary's count and the exit
# status (0 when only warnings).  procs sends results through a pipe, so
# the warning must cross it; every mode writes the same bytes.
. "$(dirname "$0")/lib.sh"

modes="seq threads procs coop"
mkdir -p "$T/empty"
if [ "${IMGPIPE_SAN:-}" != thread ] &&
    "$IMGPIPE" -m omp "$T/empty" "$T/probe" >/dev/null 2>&1; then
	modes="$modes omp"
fi

# FILE, then the outcome at none, truncated, error and warning (ok, warn or
# fail), then the message (the same whether it warns or fails).
cat >"$T/table" <<'EOF'
good.jpg ok ok ok ok -
eoi-cut.jpg warn warn warn fail JPEG file ends without its EOI marker
truncated.jpg warn fail fail fail truncated JPEG data
lossless.jpg fail fail fail fail unsupported JPEG: lossless JPEG (SOF3)
no-iend.png warn warn fail fail truncated PNG data after the last row
bad-iend-crc.png warn warn fail fail corrupt PNG data: IEND: CRC error
no-adler.png warn warn fail fail corrupt PNG data: not enough image data
truncated.png warn fail fail fail truncated PNG data
chunk-IdND.png fail fail fail fail corrupt PNG data: IdND: unhandled critical chunk
EOF

in=$T/in
mkdir -p "$in"
cp "$DATA/jpeg/testorig.jpg" "$in/good.jpg"
for f in $(cut -d' ' -f1 "$T/table"); do
	[ -f "$in/$f" ] || cp "$DATA/damaged/$f" "$in/$f" || fail "missing $f"
done

# check_run TAG LEVEL COLUMN OUT: the report, stderr and OUT against the
# table's COLUMN (2..5) for LEVEL.
check_run()
{
	python3 - "$T/table" "$3" "$T/r.json" "$T/stderr" "$4" <<'PY' ||
import json, os, sys
table, col, report, stderr, out = sys.argv[1:]
col = int(col)
r = json.load(open(report))
files = {f["input"]: f for f in r["files"]}
lines = open(stderr).read().splitlines()
bad = []
n = {"ok": 0, "warn": 0, "fail": 0}
for row in open(table):
    w = row.rstrip("\n").split(" ", 5)
    name, want, msg = w[0], w[col - 1], w[5]
    n[want] += 1
    f = files.get(name)
    status = {"ok": "ok", "warn": "warning", "fail": "failed"}[want]
    if f is None or f["status"] != status:
        bad.append("%s: status %s, want %s" % (name, f and f["status"], status))
        continue
    if f["error"] != (None if want == "ok" else msg):
        bad.append("%s: report says %r, want %r" % (name, f["error"], msg))
    line = {"ok": None, "warn": "imgpipe: %s: warning: %s" % (name, msg),
            "fail": "imgpipe: %s: %s" % (name, msg)}[want]
    mine = [l for l in lines if l.startswith("imgpipe: %s: " % name)]
    if mine != ([line] if line else []):
        bad.append("%s: stderr %r, want %r" % (name, mine, line))
    written = os.path.exists(os.path.join(out, name))
    if written != (want != "fail"):
        bad.append("%s: output %s" % (name, "written" if written else "missing"))
im = r["images"]
if (im["ok"], im["warning"], im["failed"]) != (n["ok"] + n["warn"], n["warn"], n["fail"]):
    bad.append("report images %r, want %r" % (im, n))
summary = "%d processed%s, %d failed," % (
    n["ok"] + n["warn"],
    " (%d with a warning)" % n["warn"] if n["warn"] else "", n["fail"])
if not any(l.startswith(summary) for l in lines):
    bad.append("no summary line starting %r" % summary)
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY
	fail "$1: results differ from the table"
	check "$1: incomplete output" complete_images "$4"
	check "$1: temporary file left behind" no_tmp "$4"
}

col=2
for level in none truncated error warning; do
	# Only the files this level does not fail on: exit 0 despite warnings.
	mkdir -p "$T/pass-$level"
	while read -r f a b c d rest; do
		set -- "$a" "$b" "$c" "$d"
		eval "want=\${$((col - 1))}"
		[ "$want" = fail ] || cp "$in/$f" "$T/pass-$level/"
	done <"$T/table"
	for mode in $modes; do
		tag="$mode --fail-on $level"
		expect 1 -m "$mode" -j 2 --fail-on "$level" --report "$T/r.json" \
		    "$in" "$T/$mode-$level"
		check_run "$tag" "$level" "$col" "$T/$mode-$level"
		[ "$mode" = seq ] ||
		    check "$tag: bytes differ from seq" \
			diff -r "$T/seq-$level" "$T/$mode-$level"
		expect 0 -m "$mode" -j 2 --fail-on "$level" --report "$T/r.json" \
		    "$T/pass-$level" "$T/$mode-pass-$level"
		[ "$(report_get "$T/r.json" "r['images']['failed']")" = 0 ] ||
		    fail "$tag: a failure among the files it passes"
	done
	col=$((col + 1))
done

# The default is truncated.
expect 0 -m seq "$T/pass-truncated" "$T/default"
check "default differs from --fail-on truncated" \
    diff -r "$T/seq-pass-truncated" "$T/default"
expect 1 -m seq "$in" "$T/default-all"
[ "$(grep -c ': warning: ' "$T/stderr")" -eq 4 ] ||
    fail "default: $(grep -c ': warning: ' "$T/stderr") warning lines, want 4"

# --quiet drops the summary, not the warning lines.
expect 0 -m seq --quiet "$T/pass-truncated" "$T/quiet"
[ "$(grep -c ': warning: ' "$T/stderr")" -eq 4 ] ||
    fail "--quiet: warning lines lost"
grep -q processed "$T/stderr" && fail "--quiet: summary printed"

# A dry run reads headers only: damage after them is not seen.
expect 0 -m seq -n --fail-on warning "$T/pass-truncated" "$T/dry"
[ "$(wc -l <"$T/stdout")" -eq "$(ls "$T/pass-truncated" | wc -l)" ] ||
    fail "--dry-run: not one line per image"

expect 2 --fail-on sometimes "$in" "$T/bad"
grep -q "bad value 'sometimes' for --fail-on" "$T/stderr" ||
    fail "a bad --fail-on value is not named"
finish
