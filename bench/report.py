"""Writes what bench/study.py measured: runs.csv, summary.csv, report.md and
the SVG pictures in bench/results/<date>-<host>/, and the key=value lines on
stdout."""

import csv
import datetime
import glob
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import time

import charts
import record
import stability

COLORS = {"seq": "#7f7f7f", "threads": "#1f77b4", "procs": "#d62728",
          "omp": "#2ca02c", "coop": "#9467bd", "vipsthumbnail": "#ff7f0e",
          "imagemagick": "#8c564b", "graphicsmagick": "#e377c2",
          "floor": "#17becf", "rawfloor": "#9edae5"}
RUN_COLS = ["workload", "config", "kind", "mode", "workers", "variant",
            "round", "warmup", "wall_s", "report_wall_s", "user_s", "sys_s",
            "cpu_s", "minflt", "peak_rss_kb", "report_rss_kb", "tree_pss_kb", "images",
            "lat_p50_ms", "lat_p99_ms", "lag_p50_ms", "lag_p99_ms",
            "lag_max_ms", "ticks"]


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=20
                               ).stdout.decode(errors="replace").strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def busy_s():
    """CPU seconds every process of the machine has used since boot."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def machine(study):
    cpu = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2").strip()
    mem = sh("grep MemTotal /proc/meminfo | awk '{print $2}'")
    return {
        "cpu": cpu or platform.processor(), "cores": study.NPROC,
        "memory_gb": round(int(mem or 0) / 1048576, 1),
        "kernel": platform.release(),
        "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
        "imgpipe": sh(f"{study.IMGPIPE} --version"),
        "cc": sh("${CC:-cc} --version | head -n 1"),
        "cflags": os.environ.get("CFLAGS_USED", "unknown"),
        "libjpeg-turbo": sh("dpkg-query -W -f '${Version}' "
                            "libjpeg62-turbo"),
        "vips": sh("vips --version") if sh("command -v vips") else "",
        "imagemagick": sh("mogrify -version | head -n 1")
        if sh("command -v mogrify") else "",
        "graphicsmagick": sh("gm version | head -n 1")
        if sh("command -v gm") else "",
        "python": platform.python_version(),
        "transparent huge pages": sh(
            "cat /sys/kernel/mm/transparent_hugepage/enabled"),
        "kernel memory monitors (DAMON)": damon(),
    }


def damon():
    """The kernel's running DAMON monitors: one samples the accessed bits
    of pages and may reclaim the cold ones while the study runs."""
    base = "/sys/kernel/mm/damon/admin/kdamonds"
    found = []
    for k in sorted(glob.glob(os.path.join(base, "[0-9]*"))):
        if sh(f"cat {k}/state") != "on":
            continue
        ops = sh(f"cat {k}/contexts/*/operations | sort -u | xargs")
        acts = sh(f"cat {k}/contexts/*/schemes/*/action 2>/dev/null | "
                  "sort -u | xargs")
        found.append(f"{ops or '?'} monitor" +
                     (f" with {acts} scheme" if acts else ""))
    return ", ".join(found) or "none running"


def psnr(study, work, same_job):
    """PSNR of each peer's JPEGs against imgpipe seq's, per workload, keyed
    (workload, tag); and, keyed (workload, tag, "same job"), against imgpipe
    running exactly the peer's job where the peer cannot run ours."""
    res = {}
    for w, _, files, cfgs in work:
        for c in cfgs:
            if c.kind != "peer":
                continue
            refs = [((w, c.tag), os.path.join(study.OUT, w, "seq"))]
            if c.tag in same_job:
                refs.append(((w, c.tag, "same job"), same_job[c.tag]))
            for key, ref in refs:
                r = psnr_dirs(study, files, ref, study.out_dir(c))
                if r:
                    res[key] = r
    return res


def psnr_dirs(study, files, ref, d):
    """(median, min, count of size mismatches, count) over the JPEGs."""
    tool = os.path.join(study.HELPERS, "psnr")
    vals, cropped = [], 0
    for n in files["names"]:
        if not n.endswith(".jpg"):
            continue
        a, b = os.path.join(ref, n), os.path.join(d, n)
        if not (os.path.exists(a) and os.path.exists(b)):
            continue
        out = sh(f"'{tool}' '{a}' '{b}'").split()
        if len(out) == 3:
            cropped += out[0] != out[1]
            vals.append(99.0 if out[2] == "inf" else float(out[2]))
    if vals:
        return (sorted(vals)[len(vals) // 2], min(vals), cropped,
                len(vals))
    return None


def fmt(v, nd=2):
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def write_csvs(dest, rows, sums):
    with open(os.path.join(dest, "runs.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, RUN_COLS, extrasaction="ignore")
        wr.writeheader()
        for r in rows:
            wr.writerow({k: fmt(r.get(k), 4) for k in RUN_COLS})
    cols = []
    for s in sums:
        cols += [k for k in s if k not in cols]
    with open(os.path.join(dest, "summary.csv"), "w", newline="") as f:
        wr = csv.DictWriter(f, cols)
        wr.writeheader()
        for s in sums:
            wr.writerow({k: fmt(s.get(k), 4) for k in cols})


def speedup_svg(study, sums, w, title):
    ss = [s for s in sums if s["workload"] == w and s["kind"] == "imgpipe"
          and "speedup" in s]
    if not ss:
        return None
    series = []
    seq_pt = [(1, 1.0, None, None)]
    for m in study.MODES:
        pts = [(s["workers"], s["speedup"], s["speedup_min"],
                s["speedup_max"]) for s in ss
               if s["mode"] == m and s["variant"] == "-"]
        if pts:
            series.append((m, COLORS[m], pts, False))
    marks = iter(["#17becf", "#000000", "#bcbd22", "#e377c2", "#8c564b",
                  "#ff7f0e", "#7f7f7f"])
    for s in ss:
        if s["variant"] != "-":
            series.append((f"{s['mode']} {s['variant']}", next(marks, "#000"),
                           [(s["workers"], s["speedup"], s["speedup_min"],
                             s["speedup_max"])], False))
    series.append(("seq", COLORS["seq"], seq_pt, False))
    xs = sorted({s["workers"] for s in ss})
    return charts.speedup_chart(
        f"Speed-up versus workers: {title}",
        f"{ss[0]['images']} images, {ss[0]['megapixels']} MP; median of "
        f"{ss[0]['runs']} interleaved rounds; {study.NPROC} cores",
        series, study.NPROC, xs)


def peers_svg(study, sums, ps):
    ss = [s for s in sums if s["workload"] == "thumb"]
    n = study.NPROC
    pick = ["seq", f"threads-j{n}", f"procs-j{n}", f"omp-j{n}",
            f"coop-j{n}-offload"]
    items = []
    for s in ss:
        if s["config"] in pick or s["kind"] in ("peer", "floor"):
            note = ""
            q = ps.get(("thumb", s["config"], "same job")) or \
                ps.get(("thumb", s["config"]))
            if q:
                note = f"  (PSNR {q[0]:.1f} dB)"
            label = {"imgpipe": f"imgpipe {s['config']}",
                     "floor": "floor: libjpeg-turbo alone, 1 thread"}.get(
                s["kind"], f"{s['mode']} {s['workers']} thread"
                + ("s" if s["workers"] > 1 else ""))
            if s["config"] == "rawfloor":
                label = "raw-planes floor: libjpeg-turbo alone, 1 thread"
            if s["variant"].endswith("processes"):
                label = f"{s['mode']} {s['variant']}"
            items.append((label, s["img_s"], s["images"] / s["wall_s_max"],
                          s["images"] / s["wall_s_min"],
                          COLORS.get(s["mode"], "#333"), note))
    return charts.bar_chart(
        "Throughput: imgpipe against the peers (same files, same job)",
        f"thumbnail job, {ss[0]['images']} files; wall time from fork to exit;"
        " vipsthumbnail does not sharpen (its PSNR: against imgpipe's resize"
        " alone)", "images per second (higher is "
        "better)", items)


def lag_svg(study, sums):
    """Histograms of coop's heartbeat lateness: blocked, yielding,
    offloaded (from --report loop.hist, summed over the rounds)."""
    n = study.NPROC
    panels, le = [], None
    for tag, label in ((f"coop-j{n}", "blocked (default)"),
                       (f"coop-j{n}-yield16", "yielding (--yield-rows 16)"),
                       (f"coop-j{n}-offload", "offloaded (--offload)")):
        s = next((s for s in sums if s["workload"] == "thumb" and
                  s["config"] == tag), None)
        if s and "lag_hist" in s:
            le = s["lag_hist_le_ms"]
            panels.append((label, s["lag_hist"],
                           f"p99 {s['lag_p99_ms']:.1f} ms, "
                           f"max {s['lag_max_ms']:.0f} ms"))
    return charts.lag_hist_chart(
        f"coop: how late the event loop's heartbeat fired, {n} images in "
        "flight", "a 10 ms timer on the loop, thumbnail job; p99 and max: "
        "medians over rounds", le, panels) if panels else None


def timeline_svg(study, sums):
    n = study.NPROC
    tags = ["seq", f"threads-j{n}", f"procs-j{n}", f"omp-j{n}",
            f"coop-j{n}", f"coop-j{n}-offload", f"threads-j{n}-gil"]
    panels, names = [], None
    for tag in tags:
        path = os.path.join(study.OUT, "thumb", tag + ".trace.json")
        if not os.path.exists(path):
            continue
        ev = json.load(open(path))["traceEvents"]
        spans = charts.trace_spans(ev)
        if names is None:
            names = sorted({s[3] for s in spans})
        wall = max(s[2] for s in spans) if spans else 0
        workers = max(s[0] for s in spans) + 1 if spans else 1
        panels.append((tag, wall, workers, spans))
    return charts.timeline_chart(
        "Who ran which image when: one run per mode (from --trace)",
        "thumbnail job, last round; each bar is one image from start to end,"
        " solid while it computes",
        panels, names or [])


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "---|" * len(header)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def rng(s, k, nd=2, scale=1.0):
    if k not in s:
        return ""
    return (f"{s[k] * scale:.{nd}f} ({s[k + '_min'] * scale:.{nd}f}–"
            f"{s[k + '_max'] * scale:.{nd}f})")


def ci(s):
    return (f"{s['wall_s']:.3f} [{s['wall_ci_lo']:.3f}–"
            f"{s['wall_ci_hi']:.3f}]")


def workload_md(study, sums, w, title, ps):
    ss = [s for s in sums if s["workload"] == w]
    hdr = ["config", "workers", "rounds", "wall s [CI]", "CV", "CPU s",
           "faults k",
           "peak RSS MB",
           "tree Pss MB", "img/s", "MP/s", "speed-up", "effic.",
           "Karp–Flatt", "÷ ceiling", "× floor", "× raw floor",
           "latency p50/p99 ms",
           "loop lag p99/max ms"]
    rows = []
    for s in ss:
        if s["kind"] == "ceiling":
            continue
        lag = (f"{s['lag_p99_ms']:.1f} / {s['lag_max_ms']:.1f}"
               if "lag_p99_ms" in s else "")
        lat = (f"{s['lat_p50_ms']:.0f} / {s['lat_p99_ms']:.0f}"
               if "lat_p50_ms" in s else "")
        rows.append([s["config"] + ("" if s["variant"] in ("-",) or
                                    s["kind"] == "imgpipe" else
                                    f" ({s['variant']})"),
                     str(s["workers"]),
                     str(s["runs"]) + ("†" if s.get("unstable") else ""),
                     ci(s), fmt(100 * s["wall_cv"], 1) + "%"
                     if s.get("wall_cv") is not None else "",
                     fmt(s.get("cpu_s")),
                     fmt((s.get("minflt") or 0) / 1000, 1),
                     fmt(s.get("peak_rss_kb", 0) / 1024, 0),
                     fmt((s.get("tree_pss_kb") or 0) / 1024, 0),
                     fmt(s["img_s"]), fmt(s["mp_s"], 1),
                     fmt(s.get("speedup")), fmt(s.get("efficiency")),
                     fmt(s.get("karp_flatt"), 3), fmt(s.get("of_ceiling")),
                     fmt(s.get("x_floor")), fmt(s.get("x_raw_floor")),
                     lat, lag])
    md = [f"### {title}", "", table(hdr, rows), ""]
    levels = sorted({s["ci_level"] for s in ss if s.get("ci_level")})
    md.append("wall s: median [confidence interval of the median: order "
              "statistics, coverage " +
              ", ".join(f"{100 * v:.1f}%" for v in levels) +
              " for the round counts here]; CV: standard deviation ÷ mean "
              "of the wall times; † still at or above "
              f"{100 * study.CV_TARGET:.0f}% CV when the rounds stopped "
              "(see Flags).\n")
    fits = {s["mode"]: s["amdahl_f"] for s in ss if "amdahl_f" in s}
    if fits:
        md.append("Amdahl fit (serial fraction f of S(p) = 1/(f + (1−f)/p), "
                  f"least squares over 1 ≤ p ≤ {study.NPROC}): " +
                  ", ".join(f"{m} f = {f:.3f}" for m, f in fits.items()) +
                  (" — with 2 cores this is one point per mode, so it equals"
                   " Karp–Flatt at p = 2." if study.NPROC == 2 else "") + "\n")
    ceil = next((s for s in ss if s["kind"] == "ceiling"), None)
    if ceil:
        md.append(f"Host ceiling: {ceil['workers']} threads of pure integer "
                  f"work (`bench/ceiling.c`) ran **{rng(ceil, 'ceiling')}×** "
                  "as fast as one, measured in every round beside the modes."
                  " No mode can scale past it; **÷ ceiling** is a mode's "
                  "speed-up divided by the ceiling of the same round "
                  "(median over rounds): the efficiency the machine let it "
                  "have." +
                  (f" Memory-bound work (each thread sweeping its own 64 MB "
                   f"buffer) ran **{rng(ceil, 'mem_ceiling')}×** as fast on "
                   f"{ceil['workers']} threads: the part of a mode's work "
                   "that waits on memory (decoders writing whole photos, "
                   "progressive JPEGs' coefficient arrays) can scale no "
                   "further than that." if "mem_ceiling" in ceil else "") +
                  "\n")
    seq = next((s for s in ss if s["config"] == "seq"), None)
    if seq and "seq_over_floor_per_image" in seq:
        raw = seq.get("seq_over_raw_floor_per_image")
        md.append(f"Decode+encode floor: seq takes "
                  f"**{seq['seq_over_floor_per_image']:.2f}×** the time "
                  "libjpeg-turbo alone needs per JPEG (median over files of "
                  "seq latency ÷ floor time)" +
                  (f", and **{raw:.2f}×** the raw-planes floor's (YCbCr "
                   "planes in and out: no colour conversion, no chroma "
                   "resampling)" if raw is not None else "") + ".\n")
    over = [s for s in ss if "vs_nproc" in s]
    if over:
        md.append(f"Oversubscription: throughput with more workers than the "
                  f"{study.NPROC} cores, against the same mode at "
                  f"`-j {study.NPROC}` (median over rounds of the paired "
                  "ratio; negative is a loss): " +
                  ", ".join(f"{s['config']} {100 * (s['vs_nproc'] - 1):+.1f}%"
                            for s in over) + ".\n")
    peers = [s for s in ss if s["kind"] == "peer"]
    if peers:
        prow = []
        for p in peers:
            ref = seq if p["workers"] == 1 else next(
                (s for s in ss if s["config"] == f"threads-j{p['workers']}"),
                None)
            q = ps.get((w, p["config"]))
            qs = ps.get((w, p["config"], "same job"))
            prow.append([p["config"], p["mode"], str(p["workers"]),
                         fmt(p["img_s"]), ref["config"] if ref else "",
                         fmt(ref["img_s"] / p["img_s"]) if ref else "",
                         f"{q[0]:.1f} (min {q[1]:.1f})" if q else "",
                         f"{qs[0]:.1f} (min {qs[1]:.1f})" if qs else
                         "same as left",
                         f"{q[2]}/{q[3]}" if q else ""])
        md += ["Peers (ratio above 1: imgpipe is faster at the same thread "
               "count). PSNR of the peer's JPEG against imgpipe seq's on "
               "this job, median over files (99 = identical); "
               "vipsthumbnail cannot sharpen, so its *same job* PSNR is "
               "against imgpipe seq with `-p resize=800x800 -q 85`, the job "
               "vipsthumbnail actually ran:", "",
               table(["peer", "tool", "threads", "img/s", "imgpipe config",
                      "imgpipe ÷ peer", "PSNR dB", "PSNR dB, same job",
                      "size differs"], prow), ""]
    return "\n".join(md)


# The pin check's verdict: pinned -j 2 within this of -j 1's speed, and
# -j 2 unpinned at least SCALED times -j 1 (so that the pin had a
# difference to make).
PIN_BAND = (0.85, 1.15)
SCALED = 1.4


def pin_check(study, rows):
    """--cpus CPU0 -j 2 against -j 1 and -j 2 (threads, thumbnail job):
    medians over rounds of the per-round ratios -j 1 wall / other wall,
    and a verdict derived from them."""
    if "pin" not in study.WORKLOADS:
        return {"status": "skipped", "reason": "not_selected"}
    why = study.pin_skip_reason()
    if why:
        return {"status": "skipped", "reason": why}
    c0 = study.CPU0
    by = {}
    for r in rows:
        if r["workload"] == "pin" and not r["warmup"] and \
                not r.get("timed_out"):
            by.setdefault(r["config"], {})[r["round"]] = r["wall_s"]
    j1, j2 = by.get("threads-j1", {}), by.get("threads-j2", {})
    p2 = by.get(f"threads-j2-cpus{c0}", {})

    def ratio(other):
        v = [j1[k] / other[k] for k in other if k in j1]
        return (statistics.median(v), stability.median_ci(v)) if v else (None, None)
    rp, cip = ratio(p2)
    rj, cij = ratio(j2)
    if rp is None or rj is None:
        return {"status": "skipped", "reason": "no_paired_rounds"}
    lo, hi = PIN_BAND
    if lo <= rp <= hi and rj >= SCALED:
        verdict = "pinning to one CPU holds -j 2 to one core's speed"
    elif lo <= rp <= hi:
        verdict = (f"-j 2 did not scale here ({rj:.2f}x -j 1), so -j 2 "
                   "pinned at one core's speed does not show that pinning "
                   "works")
    elif rp > hi:
        verdict = (f"pinned to CPU {c0}, -j 2 still ran {rp:.2f}x as fast "
                   "as -j 1: the pin did not hold it to one CPU")
    else:
        verdict = (f"pinned to CPU {c0}, -j 2 ran at {rp:.2f}x -j 1's "
                   "speed, below one core's: two workers on one CPU cost "
                   "more than time-sharing should")
    key = f"cpus{c0}_j2_over_j1"
    return {"status": "ok", "cpu": c0, key: rp, "j2_over_j1": rj,
            key + "_ci": list(cip[:2]), "j2_over_j1_ci": list(cij[:2]),
            "rounds": len(p2), "band": list(PIN_BAND), "scaled": SCALED,
            "verdict": verdict,
            "line": f"pin_check: {key}={rp:.2f} j2_over_j1={rj:.2f} "
                    f"rounds={len(p2)} verdict={verdict}"}


def headline(study, sums):
    """The one line `make bench` ends with: the thumbnail job at nproc
    workers, best configuration by images/s, against vipsthumbnail."""
    n = study.NPROC
    th = [s for s in sums if s["workload"] == "thumb"]
    cands = [s for s in th if s["kind"] == "imgpipe" and s["workers"] == n
             and "speedup" in s]
    if not cands:
        return None
    best = max(cands, key=lambda s: s["img_s"])
    lo, hi = best["images"] / best["wall_ci_hi"], \
        best["images"] / best["wall_ci_lo"]
    thr = next((s for s in cands if s["config"] == f"threads-j{n}"), None)
    line = (f"headline: thumbnail job ({best['images']} images), {n} "
            f"workers (nproc): best configuration {best['config']} "
            f"{best['img_s']:.2f} images/s (CI {lo:.2f}-{hi:.2f}), speed-up "
            f"{best['speedup']:.2f}x over seq, efficiency "
            f"{best['efficiency']:.2f}")
    if thr and thr is not best:
        same = not stability.apart((thr["wall_ci_lo"], thr["wall_ci_hi"]),
                                   (best["wall_ci_lo"], best["wall_ci_hi"]))
        line += (f"; threads -j {n} {thr['img_s']:.2f} images/s, speed-up "
                 f"{thr['speedup']:.2f}x"
                 + (" (within the spread of the best)" if same else ""))
    vips = [s for s in th if s["mode"] == "vipsthumbnail" and
            s["workers"] == n]
    head = {"workload": "thumb", "workers": n, "config": best["config"],
            "img_s": best["img_s"], "img_s_ci": [lo, hi],
            "speedup": best["speedup"], "efficiency": best["efficiency"],
            "threads_img_s": thr["img_s"] if thr else None}
    if vips:
        v = max(vips, key=lambda s: s["img_s"])
        head.update(vips_config=v["config"], vips_img_s=v["img_s"],
                    over_vips=best["img_s"] / v["img_s"])
        line += (f"; {best['img_s'] / v['img_s']:.2f}x vipsthumbnail "
                 f"({v['config']}, {v['img_s']:.2f} images/s"
                 + (f", the faster of {' and '.join(s['config'] for s in vips)}"
                    if len(vips) > 1 else "") + ")")
    elif shutil.which("vipsthumbnail"):
        line += "; vipsthumbnail not in this sweep (BENCH_CONFIGS)"
    else:
        line += "; vipsthumbnail not installed: make bench-peers"
    unstable = [s["config"] for s in [best] + vips if s.get("unstable")]
    if unstable:
        line += (f" (unstable: {', '.join(unstable)} still at or above "
                 f"{study.CV_TARGET:.0%} CV)")
    head["line"] = line
    return head


def replacing():
    return os.environ.get("BENCH_REPLACE", "0") not in ("", "0")


def results_dir(root):
    """BENCH_RESULTS if set, else bench/results/<date>-<host>/.  Results
    already there (committed, most likely) are never overwritten unasked:
    the run goes to <date>-<host>-2 (-3, ...) instead, unless BENCH_REPLACE=1
    asks for the folder to be emptied and written again (by main, once the
    sweep has run: an interrupted run leaves the old results alone)."""
    if os.environ.get("BENCH_RESULTS"):
        return os.environ["BENCH_RESULTS"]
    host = socket.gethostname().split(".")[0]
    date = datetime.date.today().isoformat()
    base = os.path.join(root, "bench", "results", f"{date}-{host}")
    if not os.path.exists(base) or replacing():
        return base
    n = 2
    while os.path.exists(f"{base}-{n}"):
        n += 1
    print(f"bench: {os.path.relpath(base, root)} exists, writing "
          f"{os.path.relpath(base, root)}-{n} (BENCH_REPLACE=1 replaces it)",
          file=sys.stderr)
    return f"{base}-{n}"


def main(study):
    t0 = time.time()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds")
    runs = int(os.environ.get("RUNS", "3" if study.QUICK else "5"))
    max_rounds = max(runs, int(os.environ.get("BENCH_MAX_ROUNDS") or
                               (2 if study.QUICK else 3) * runs))
    warmup = 1
    dest = results_dir(study.ROOT)
    os.makedirs(study.OUT, exist_ok=True)
    headline_file = os.path.join(study.OUT, "headline.txt")
    if os.path.exists(headline_file):
        os.remove(headline_file)
    corpus = os.environ.get("CORPUS_STATUS", "unknown")
    load0, busy0, wall0 = os.getloadavg(), busy_s(), time.monotonic()
    work = study.workloads()
    watch = record.MachineWatch(study.IMGPIPE)
    cal = study.calibrate(work)
    exp, most = study.estimate(work, cal, runs, warmup, max_rounds)
    study.say(f"expected duration of the sweep: about {exp / 60:.1f} min "
              f"({sum(len(x[3]) for x in work)} configurations, {warmup} "
              f"warm-up + {runs} rounds; at most {most / 60:.1f} min if "
              f"the CV rule runs more, up to {max_rounds} rounds)")
    sweep0 = time.monotonic()
    rows = study.sweep(work, runs, warmup, max_rounds)
    sweep_s = time.monotonic() - sweep0
    mrec = watch.stop()
    study.say(f"sweep took {sweep_s / 60:.1f} min (expected "
              f"{exp / 60:.1f})")
    sums = study.summarise(work, rows)
    ps = psnr(study, work, study.same_job_reference(work))
    if replacing() and not os.environ.get("BENCH_RESULTS"):
        shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest, exist_ok=True)
    # bench/run.sh puts the urls part of the same run beside it
    with open(os.path.join(study.OUT, "results-dir.txt"), "w") as f:
        f.write(dest + "\n")
    write_csvs(dest, rows, sums)
    pics = {}
    names = [x[0] for x in work]
    for w, title, files, cfgs in work:
        if w in ("thumb", "heavy"):
            pics[f"speedup-{w}.svg"] = speedup_svg(study, sums, w, title)
    pics = {k: v for k, v in pics.items() if v}
    if "thumb" in names and any(s["workload"] == "thumb" for s in sums):
        pics["throughput-peers.svg"] = peers_svg(study, sums, ps)
    lag = lag_svg(study, sums)
    if lag:
        pics["loop-lag.svg"] = lag
    if any(s["workload"] == "thumb" for s in sums):
        pics["timeline.svg"] = timeline_svg(study, sums)
    for name, svg in pics.items():
        with open(os.path.join(dest, name), "w") as f:
            f.write(svg)
    mach = machine(study)
    mach["load average (1 min) before"] = f"{load0[0]:.2f}"
    # CPU the machine used during the sweep that was not ours: other work
    # competing with the parallel modes for the cores.
    ours = sum(os.times()[:4])     # this process and all it reaped
    span = time.monotonic() - wall0
    other = max(0.0, busy_s() - busy0 - ours) / (span * study.NPROC)
    mach["CPU used by other work during the sweep"] = f"{other:.0%}"
    pin = pin_check(study, rows)
    head = headline(study, sums)
    elapsed = time.time() - t0
    write_md(study, dest, work, sums, ps, mach, pics, runs, warmup, corpus,
             elapsed, pin, head, mrec)
    record.write(os.path.join(dest, "results.json"), {
        "schema": record.SCHEMA, "started": started,
        "duration_s": round(elapsed, 1), "sweep_s": round(sweep_s, 1),
        "estimate_s": {"expected": round(exp), "at_most": round(most)},
        "quick": study.QUICK,
        "rounds": {"warmup": warmup, "min": runs, "max": max_rounds,
                   "cv_target": study.CV_TARGET, "extra": study.EXTRA,
                   "timeout_s": os.environ.get("BENCH_TIMEOUT") or None},
        "knobs": {k: os.environ[k] for k in (
            "BENCH_WORKLOADS", "BENCH_FILES", "BENCH_CONFIGS")
            if os.environ.get(k)},
        "imgpipe": {"version": mach["imgpipe"], "cflags": mach["cflags"],
                    "cc": mach["cc"]},
        "corpus": record.corpus(study.ROOT, corpus),
        "machine": mrec,
        "host": {k: mach[k] for k in ("cpu", "cores", "memory_gb", "kernel",
                                      "os", "python",
                                      "transparent huge pages",
                                      "kernel memory monitors (DAMON)")},
        "peers": {k: mach[k] for k in ("vips", "imagemagick",
                                       "graphicsmagick", "libjpeg-turbo")},
        "load1_before": round(load0[0], 2),
        "other_cpu_share": round(other, 4),
        "workloads": record.workloads(study, work, rows, sums),
        "pin_check": pin, "headline": head})
    print_lines(study, sums, mach, runs, pin)
    print(f"results={os.path.relpath(dest, study.ROOT)} "
          f"elapsed_s={elapsed:.0f}")
    if head:        # run.sh prints it last, after the other parts
        with open(headline_file, "w") as f:
            f.write(head["line"] + "\n")


def machine_line(m):
    """The machine record of `imgpipe machine` (results.json "machine") in
    one paragraph."""
    if m.get("status") == "unknown":
        return f"Machine record: unknown ({m.get('error')})."
    def v(x):
        return {None: "unknown", True: "yes", False: "no"}.get(x, x) \
            if x is None or isinstance(x, bool) else x
    f = {k: v(x) for k, x in (m.get("freq_mhz") or {}).items()}
    g = {k: v(x) for k, x in m.items()}
    numa = m.get("numa") or []
    return ("Machine record (`imgpipe machine --watch 1000` over the sweep):"
            f" {g.get('cpu_model')}, {g.get('sockets')} socket(s), "
            f"{g.get('cores')} cores, {g.get('threads')} threads (SMT "
            f"{g.get('smt')}), {len(numa)} NUMA node(s), affinity "
            f"{g.get('affinity')}, governor {g.get('governor')}, boost "
            f"{g.get('boost')}, frequency start/min/mean/end "
            f"{f.get('start')}/{f.get('min')}/{f.get('mean')}/{f.get('end')} "
            f"MHz over {f.get('samples')} samples, throttled "
            f"{g.get('throttled')}, cgroup CPU limit "
            f"{g.get('cgroup_cpu_limit')}.")


def write_md(study, dest, work, sums, ps, mach, pics, runs, warmup, corpus,
             elapsed, pin, head, mrec):
    q = "BENCH_QUICK=1 " if study.QUICK else ""
    md = [f"# imgpipe scaling study: {os.path.basename(dest)}", "",
          f"{'Quick' if study.QUICK else 'Full'} sweep (`{q}make bench`), "
          f"{warmup} warm-up + at least {runs} measured rounds per "
          f"configuration, run in {elapsed / 60:.1f} minutes. Every round "
          "runs every configuration of a workload once, in an order rotated "
          "by one each round, so drift of the machine hits all alike; then "
          "configurations whose wall time varied by "
          f"{100 * study.CV_TARGET:.0f}% CV or more ran further rounds "
          "(with seq and the host ceiling they are paired with) until under "
          "it or a limit. Figures are medians over the rounds with their "
          "confidence interval [CI] or (min–max).", "",
          f"**{head['line']}**" if head else "", "",
          f"**{pin['line']}**" if pin.get("line") else
          f"pin_check: skipped ({pin.get('reason')})", "",
          "## Machine and versions", "",
          table(["", ""], [[k, f"`{v}`" if k == "cflags" else
                            str(v).replace("\n", "; ")]
                           for k, v in mach.items() if v != ""]), "",
          machine_line(mrec), "",
          f"Corpus: `bench/make-corpus` ({corpus}); inputs pinned by sha256 "
          "in `bench/corpus.sha256`.", ""]
    for name in pics:
        md.append(f"![{name[:-4]}]({name})")
    md += ["", "## Flags", ""] + flags(study, sums, mach) + \
        ["", "## Results", ""]
    for w, title, files, cfgs in work:
        md.append(workload_md(study, sums, w, title, ps))
    md += ["## How to read it", "",
           "- **wall s**: fork to exit of the whole command (includes process "
           "start-up; the same clock for imgpipe and the peers). imgpipe's own"
           " `wall_s` is in runs.csv as `report_wall_s`.",
           "- **CPU s**: user + sys of the command and every descendant it "
           "reaped (`wait4`). **faults k**: minor page faults of the same "
           "processes, in thousands (`wait4` ru_minflt): memory the kernel "
           "had to hand over afresh, which costs about as much as decoding "
           "into it.",
           "- **peak RSS**: the largest resident set of any single process of "
           "the run (`wait4` ru_maxrss, which the kernel folds over reaped "
           "children); for `procs` that is the largest worker or the parent. "
           "**tree Pss**: the largest sum of proportional set sizes over the "
           "command and all its descendants, sampled every 50 ms from "
           "/proc/PID/smaps_rollup — pages shared copy-on-write by forked "
           "workers count once, so this is the memory the whole `procs` tree "
           "really holds (runs shorter than 50 ms show blank).",
           "- **speed-up**: median over rounds of seq's wall ÷ this wall in "
           "the same round; **efficiency** = speed-up ÷ workers; "
           "**Karp–Flatt** e = (1/S − 1/p)/(1 − 1/p), the experimentally "
           "determined serial fraction (rising with p means overhead grows).",
           "- **× floor**: wall ÷ (sum of the libjpeg-turbo decode+encode "
           "floor over the files ÷ min(workers, cores)): how far a mode is "
           "from doing only the codec work on every core. The floor is "
           "`bench/floor.c`: same file read, same shrink-on-load scale, "
           "plain decimation, q85 encode to memory. **× raw floor**: the "
           "same against the raw-planes floor (`floor -r`: the Y, Cb, Cr "
           "planes decoded at their own sampling, each decimated to its "
           "output plane size, encoded as 4:2:0 planes), the bound of a "
           "planar YCbCr path.",
           "- **latency**: per image, `end_s − start_s` from `--report` "
           "(p50/p99 over the images of a run, median over runs).",
           "- **loop lag** (coop): lateness of the loop's 10 ms heartbeat, "
           "from `--report` (`loop.lag_ms`); the histograms in loop-lag.svg "
           "are `loop.hist`, summed over the measured rounds.",
           "- **÷ ceiling**: see the host ceiling line under the thumbnail "
           "table; at or above 0.9 a mode got what the machine had to "
           "give, whatever its efficiency.", "",
           "## Reproduce", "", "```",
           "make bench-peers          # vipsthumbnail, ImageMagick, "
           "GraphicsMagick (apt, as root)",
           f"{q}make bench", "```", "",
           "Each configuration, run from the repository root (inputs listed "
           "in `bench/out/<workload>/files.txt`):", "", "```"]
    for s in sums:
        md.append(f"# {s['workload']} {s['config']}")
        md.append(s["command"])
    md += ["```", ""]
    with open(os.path.join(dest, "report.md"), "w") as f:
        f.write("\n".join(md))


def flags(study, sums, mach):
    """Warnings a reader should see before trusting the numbers."""
    out = []
    other = mach["CPU used by other work during the sweep"]
    if float(other.rstrip("%")) > 5:
        out.append(f"- Other work used {other} of the machine's CPU time "
                   "during the sweep (from /proc/stat, less this study's "
                   "own). Parallel modes could not get every core, so "
                   "speed-ups are understated; rerun on an idle machine "
                   "before drawing conclusions.")
    for s in sums:
        if s["config"] == "seq" and s["cpu_s"] < 0.9 * s["wall_s"]:
            out.append(f"- {s['workload']}: seq used {s['cpu_s']:.2f} s of "
                       f"CPU in {s['wall_s']:.2f} s of wall time: the machine "
                       "was busy with other work (or waiting on I/O); "
                       "absolute times are inflated, ratios within a round "
                       "less so.")
        if s.get("speedup", 0) > min(s["workers"], study.NPROC) * 1.1:
            out.append(f"- {s['workload']} {s['config']}: speed-up "
                       f"{s['speedup']:.2f} above the ideal (seq was slowed "
                       "in that round?).")
    for w in dict.fromkeys(s["workload"] for s in sums):
        noisy = [f"{s['config']} {s['wall_s_max'] / s['wall_s_min']:.2f}×"
                 for s in sums if s["workload"] == w and s["runs"] > 1 and
                 s["wall_s_max"] > 1.25 * s["wall_s_min"]]
        if noisy:
            out.append(f"- {w}: wall time varied by more than 1.25× (max ÷ "
                       "min) between rounds for " + ", ".join(noisy) +
                       ": trust the medians and the paired speed-ups more "
                       "than single runs.")
    lossy = [f"{s['workload']} {s['config']} "
             f"{100 * (s['vs_nproc'] - 1):+.1f}%" for s in sums
             if s.get("vs_nproc", 1) < 0.95]
    if lossy:
        out.append("- Oversubscribed, these lost more than 5% against "
                   f"`-j {study.NPROC}` of the same mode: " +
                   ", ".join(lossy) + ".")
    for s in sums:
        if s["kind"] == "ceiling" and s["ceiling"] < 0.9 * study.NPROC:
            out.append(f"- The host granted {s['ceiling']:.2f}× "
                       f"({s['ceiling_min']:.2f}–{s['ceiling_max']:.2f}) for "
                       f"pure CPU work on {study.NPROC} threads, not "
                       f"{study.NPROC}×: efficiency against the core count "
                       "understates every parallel mode; read ÷ ceiling.")
        if s["kind"] == "ceiling" and \
                s.get("mem_ceiling", study.NPROC) < 0.9 * study.NPROC:
            out.append(f"- Memory-bound work scaled {s['mem_ceiling']:.2f}× "
                       f"({s['mem_ceiling_min']:.2f}–"
                       f"{s['mem_ceiling_max']:.2f}) on {study.NPROC} "
                       "threads: the host's memory bandwidth, not the cores, "
                       "bounds the parallel modes' memory-bound part.")
    bad = [f"{s['workload']} {s['config']} ({100 * s['wall_cv']:.1f}% after "
           f"{s['runs']} rounds, {s['stop']})" for s in sums
           if s.get("unstable")]
    if bad:
        out.append(f"- Wall time still varied by {100 * study.CV_TARGET:.0f}%"
                   " CV or more when the CV rule stopped: " + ", ".join(bad)
                   + ". Read their figures with their intervals.")
    dead = [f"{w} {t}" for (w, t), v in study.STATUS.items()
            if v.get("timed_out")]
    if dead:
        out.append("- Timed out (killed after "
                   + ", ".join(f"{study.TIMEOUTS[w]:g} s" for w in
                               dict.fromkeys(x.split()[0] for x in dead))
                   + "; no further rounds): " + ", ".join(dead) + ".")
    if study.QUICK:
        out.append("- Quick sweep: fewer inputs, points and rounds than the "
                   "full study; use it to check, not to conclude.")
    return out or ["- none"]


def print_lines(study, sums, mach, runs, pin):
    """The key=value lines of bench/README.md, for the thumbnail job, and
    the pin check's."""
    print(f"cflags={mach['cflags']}")
    print(f"cc={mach['cc'].replace(' ', '_')} cpus={study.NPROC} runs={runs}")
    print(pin.get("line") or f"pin_check: skipped reason={pin['reason']}")
    for (w, t), v in study.STATUS.items():
        if v.get("timed_out"):
            print(f"timed_out={w}/{t} after_s={study.TIMEOUTS[w]:g} "
                  f"measured_rounds={v['rounds']}")
    th = [s for s in sums if s["workload"] == "thumb"]
    if not th or not any(s["config"] == "seq" for s in th):
        sys.stdout.flush()
        return
    print(f"corpus=bench/corpus/std images={th[0]['images']} "
          f"megapixels={th[0]['megapixels']}")
    seq = next(s for s in th if s["config"] == "seq")
    for s in th:
        if s["kind"] == "ceiling":
            print(f"host_ceiling={s['ceiling']:.2f} "
                  + (f"mem_ceiling={s['mem_ceiling']:.2f} "
                     if "mem_ceiling" in s else "")
                  + f"threads={s['workers']} runs={s['runs']}")
            continue
        line = (f"{'mode' if s['kind'] == 'imgpipe' else 'tool'}={s['config']}"
                f" workers={s['workers']} runs={s['runs']} "
                f"images={s['images']} median_wall_s={s['wall_s']:.3f} "
                f"median_img_s={s['img_s']:.2f} median_mp_s={s['mp_s']:.1f}"
                f" wall_ci={s['wall_ci_lo']:.3f}..{s['wall_ci_hi']:.3f}"
                f" wall_cv={fmt(s.get('wall_cv'), 3) or '-'}"
                f" unstable={s['unstable']}")
        if "speedup" in s:
            line += (f" speedup={s['speedup']:.2f} "
                     f"efficiency={s['efficiency']:.2f}")
        if "of_ceiling" in s:
            line += f" of_ceiling={s['of_ceiling']:.2f}"
        line += f" peak_rss_mb={s['peak_rss_kb'] / 1024:.1f}"
        if "lag_p99_ms" in s:
            line += (f" lag_p99_ms={s['lag_p99_ms']:.1f}"
                     f" lag_max_ms={s['lag_max_ms']:.1f}")
        ref = seq if s["workers"] == 1 else next(
            (t for t in th if t["config"] == f"threads-j{s['workers']}"),
            None)
        if s["kind"] == "peer" and ref:
            line += (f" ratio_{ref['config'].replace('-', '_')}_over_peer="
                     f"{ref['img_s'] / s['img_s']:.2f}")
        print(line)
    sys.stdout.flush()
