# --report: the JSON parses and agrees with what was written (names, sizes).
. "$(dirname "$0")/lib.sh"

in=$T/in
out=$T/out
put_samples "$in" dragonfly.jpg wine-portrait-orient6.jpg \
    nuthatch-vignette-alpha.png
cp "$DATA/jpeg/testorig.jpg" "$in/"
echo "not an image" >"$in/readme.txt"

expect 0 "$in" "$out" -p resize=300x300 --report "$T/r.json"
check "report is not valid JSON" python3 -m json.tool "$T/r.json" /dev/null
python3 - "$T/r.json" "$out" "$CLI_DIR/imginfo.py" <<'PY' || fail "report check"
import json, os, subprocess, sys
r = json.load(open(sys.argv[1]))
out, imginfo = sys.argv[2], sys.argv[3]
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
need(r.get("version") == 1, "version is not 1")
for k in ("mode", "workers", "wall_s", "cpu_user_s", "peak_rss_kb",
          "images", "megapixels_in", "files"):
    need(k in r, "missing key " + k)
need(r["images"]["ok"] == 4, "images.ok is %r" % r["images"]["ok"])
need(r["images"]["failed"] == 0, "images.failed is not 0")
need(r["images"]["skipped"] >= 1, "readme.txt not counted as skipped")
need(r["wall_s"] > 0, "wall_s not positive")
ok = [f for f in r["files"] if f["status"] == "ok"]
need(len(ok) == 4, "%d files with status ok" % len(ok))
for f in ok:
    p = os.path.join(out, f["output"])
    if not os.path.isfile(p):
        bad.append("reported output missing: " + f["output"])
        continue
    fmt, w, h = subprocess.check_output(
        [sys.executable, imginfo, p], text=True).split()[:3]
    need((int(w), int(h)) == (f["width_out"], f["height_out"]),
         "%s is %sx%s, report says %dx%d" % (f["output"], w, h,
                                            f["width_out"], f["height_out"]))
    need(max(int(w), int(h)) <= 300, f["output"] + " larger than 300")
    need(f["error"] is None, f["output"] + " has an error")
    need(0 <= f["start_s"] <= f["end_s"] <= r["wall_s"] + 0.5,
         f["output"] + " times out of order")
    need(f["width_in"] > 0 and f["height_in"] > 0, "no input size")
written = sorted(os.listdir(out))
need(written == sorted(f["output"] for f in ok),
     "written %r vs reported %r" % (written, [f["output"] for f in ok]))
mp = sum(f["width_in"] * f["height_in"] for f in ok) / 1e6
need(abs(r["megapixels_in"] - mp) < 0.01 * mp + 0.01,
     "megapixels_in %r, files sum to %r" % (r["megapixels_in"], mp))
for b in bad:
    print("  " + b)
sys.exit(1 if bad else 0)
PY

# A failed image appears with its error, and the report is still written.
dd if="$DATA/jpeg/testorig.jpg" of="$in/half.jpg" bs=2000 count=1 2>/dev/null
expect 1 "$in" "$T/out2" --report "$T/r2.json"
[ "$(report_get "$T/r2.json" "[f['status'] != 'ok' for f in r['files'] if f['input'] == 'half.jpg']")" = "[True]" ] ||
    fail "truncated input not reported as failed"
[ "$(report_get "$T/r2.json" "[f['error'] is not None for f in r['files'] if f['input'] == 'half.jpg']")" = "[True]" ] ||
    fail "failed input has no error text"

# loop is null outside coop; in coop (half.jpg still fails) its histogram
# counts every tick once.
[ "$(report_get "$T/r.json" "r['loop']")" = "None" ] ||
    fail "loop is not null in threads mode"
expect 1 "$in" "$T/out3" -m coop --tick 1 -p blur=2 --report "$T/r3.json"
python3 - "$T/r3.json" <<'PY' || fail "coop loop histogram"
import json, sys
loop = json.load(open(sys.argv[1]))["loop"]
h = loop["hist"]
ok = (loop["ticks"] > 0 and len(h["counts"]) == len(h["le_ms"]) + 1 and
      sum(h["counts"]) == loop["ticks"] and h["le_ms"] == sorted(h["le_ms"]))
# the worst tick lands in the bucket whose bounds hold the reported max
top = max(i for i, c in enumerate(h["counts"]) if c)
lo = h["le_ms"][top - 1] if top else -1
hi = h["le_ms"][top] if top < len(h["le_ms"]) else float("inf")
ok = ok and lo < loop["lag_ms"]["max"] <= hi
if not ok:
    print("  loop:", loop)
sys.exit(0 if ok else 1)
PY
finish
