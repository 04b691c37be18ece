#!/usr/bin/env python3
"""WebP and AVIF thumbnails and HEIC inputs, against vipsthumbnail.

  bench/formats.py          (environment as for bench/study.py: IMGPIPE,
                             BENCH_QUICK, RUNS; called by bench/run.sh)

Three workloads over bench/corpus, each run like the study's: one warm-up
round, then RUNS rounds (5; quick 3), every configuration once a round in a
rotated order, medians, and every ratio taken between runs of one round:

  webp  the study's thumbnail job written as WebP (-f webp -q 85) against
        vipsthumbnail -o %s.webp[Q=85]; goals: time <= 0.5x vips' best,
        total size within 10% of vips' on the same job (resize only, both
        without metadata, run once untimed)
  avif  the same as AVIF at vips' defaults (-q 50 --effort 4 against
        %s.avif[Q=50,effort=4]); goal: time <= 1.0x vips' best; memory
        per worker and the encoder's threads per worker, measured
  heic  the thumbnail job on the HEIC copies of std/ (make-corpus --heic)
        against vipsthumbnail; goal: throughput >= vips'; and coop's loop
        lag on those HEICs against the same photos as JPEG and PNG

"Best" is the configuration with the smaller median: imgpipe threads or
procs at nproc workers, vipsthumbnail at nproc threads or as nproc
processes.  Prints key=value lines, one line per goal, one sentence per
goal derived from the figures (saying so when other work used 10% of the
machine or more meanwhile), and the rows of bench/README.md's table.
Standard library only.
"""

import os
import shutil
import statistics as st
import subprocess
import sys
import time

import report
import study

N = study.NPROC
THUMB = study.THUMB
SAME_JOB = THUMB.split(",")[0]
WEBP_Q = 85
AVIF_Q, AVIF_EFFORT = 50, 4
BUSY_PCT = 10
# The modes of one process whose workers share its RSS.
SHARED_RSS = ("threads", "omp", "coop", "seq")


def imgpipe_formats():
    """The formats this imgpipe lists in --version (heic(read) as heic)."""
    out = subprocess.run([study.IMGPIPE, "--version"], check=True,
                         stdout=subprocess.PIPE).stdout.decode()
    for line in out.splitlines():
        if line.startswith("formats:"):
            return {f.split("(")[0] for f in line.split()[1:]}
    return set()


def vips_savers():
    """Which of webpsave, heifsave and heifload this libvips has."""
    if not shutil.which("vipsthumbnail") or not shutil.which("vips"):
        return set()
    out = subprocess.run(["vips", "-l"], stdout=subprocess.PIPE,
                         check=False).stdout.decode()
    return {s for s in ("webpsave", "heifsave", "heifload") if s in out}


def skipped(name, reason):
    print(f"formats={name} skipped reason={reason}")


def workload(w, files, extra, imgpipe_modes, save):
    """(w, title, files, configs): imgpipe at nproc in IMGPIPE_MODES with
    the thumbnail job and EXTRA flags, and vipsthumbnail writing SAVE."""
    pts = [(m, N, list(extra)) for m in imgpipe_modes]
    cfgs = study.imgpipe_configs(w, files, THUMB, pts)
    cfgs += study.vips_configs(w, files, N, save)
    return (w, f"{w}: -p {THUMB} {' '.join(extra)}", files, cfgs)


def measure(item):
    """Rows of one workload's sweep, and the share of the machine's CPU
    that other processes used meanwhile (/proc/stat less our own)."""
    busy0, ours0, t0 = report.busy_s(), sum(os.times()[:4]), time.monotonic()
    rows = study.sweep([item], int(os.environ.get(
        "RUNS", "3" if study.QUICK else "5")), 1)
    span = time.monotonic() - t0
    other = report.busy_s() - busy0 - (sum(os.times()[:4]) - ours0)
    return [r for r in rows if not r["warmup"]], \
        100 * max(0.0, other) / (span * N)


def by_config(rows):
    out = {}
    for r in rows:
        out.setdefault(r["config"], []).append(r)
    return out


def best(by, kind):
    """The tag of KIND (imgpipe or peer) with the smallest median wall."""
    tags = [t for t, rs in by.items() if rs[0]["kind"] == kind]
    return min(tags, key=lambda t: st.median(r["wall_s"] for r in by[t]))


def paired(by, a, b, key="wall_s"):
    """Median over rounds of A's KEY / B's KEY in the same round."""
    rb = {r["round"]: r[key] for r in by[b]}
    return st.median(r[key] / rb[r["round"]] for r in by[a]
                     if r["round"] in rb)


def med(by, tag, key):
    v = [r[key] for r in by[tag] if r.get(key) is not None]
    return st.median(v) if v else None


def per_worker_kb(by, tag):
    """Peak RSS per worker: imgpipe's report.peak_rss_kb, vips' ru_maxrss
    from wait4 (the largest process of the tree); shared by the workers of
    one process, each process's own when every worker is a process."""
    rs = by[tag]
    if rs[0]["kind"] == "imgpipe":
        kb = med(by, tag, "report_rss_kb")
        shared = rs[0]["mode"] in SHARED_RSS
    else:
        kb = med(by, tag, "peak_rss_kb")
        shared = tag.startswith("vips-t")
    return kb / rs[0]["workers"] if shared else kb


def dir_bytes(d):
    return sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))


def out_dir(tag, w):
    return os.path.join(study.OUT, w, tag)


def max_threads(argv, env=None, cwd=None):
    """The largest number of threads the process tree of ARGV had at once,
    sampled every 2 ms from /proc."""
    proc = subprocess.Popen(argv, env=dict(os.environ, **(env or {})),
                            cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        n = 0
        for p in study.tree_pids(proc.pid):
            try:
                n += len(os.listdir(f"/proc/{p}/task"))
            except OSError:
                pass
        peak = max(peak, n)
        time.sleep(0.002)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(argv)} exited with {proc.returncode}")
    return peak


def encoder_threads(files):
    """Threads an AVIF encode adds to one worker: the thread count of one
    seq imgpipe run (one vipsthumbnail at VIPS_CONCURRENCY=1) writing AVIF,
    less that of the same run writing JPEG.  Three files, untimed."""
    names = files["names"][:3]
    d = os.path.join(study.OUT, "avif", "threads")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    got = {}
    with open(os.path.join(d + ".txt"), "w") as f:
        f.write("".join(n + "\n" for n in names))
    for fmt in ("jpeg", "avif"):
        argv = [study.IMGPIPE, files["dir"], os.path.join(d, "imgpipe-" + fmt),
                "-m", "seq", "-p", THUMB, "--quiet", "--files-from",
                d + ".txt", "-f", fmt]
        if fmt == "avif":
            argv += ["-q", str(AVIF_Q), "--effort", str(AVIF_EFFORT)]
        got["imgpipe-" + fmt] = max_threads(argv)
        save = ("jpg[Q=85]" if fmt == "jpeg" else
                f"avif[Q={AVIF_Q},effort={AVIF_EFFORT}]")
        os.makedirs(os.path.join(d, "vips-" + fmt), exist_ok=True)
        argv = ["vipsthumbnail", "--size", "800x800", "-o",
                os.path.join(d, "vips-" + fmt, "%s." + save)] + names
        got["vips-" + fmt] = max_threads(argv, {"VIPS_CONCURRENCY": "1"},
                                         files["dir"])
    return (got["imgpipe-avif"] - got["imgpipe-jpeg"],
            got["vips-avif"] - got["vips-jpeg"])


def same_job_sizes(files, fmt, save):
    """Total bytes of imgpipe's and vips' outputs on vips' own job (resize
    only), both without metadata: the compression alone, run once."""
    d = os.path.join(study.OUT, fmt, "same-job")
    shutil.rmtree(d, ignore_errors=True)
    mine, theirs = os.path.join(d, "imgpipe"), os.path.join(d, "vips")
    os.makedirs(theirs)
    subprocess.run([study.IMGPIPE, files["dir"], mine, "-m", "threads",
                    "-j", str(N), "--files-from", files["list"], "-p",
                    SAME_JOB, "-f", fmt, "-q", str(WEBP_Q), "--keep", "none",
                    "--quiet"], check=True)
    subprocess.run(["vipsthumbnail", "--size", "800x800", "-o",
                    os.path.join(theirs, "%s." + save)] + files["names"],
                   cwd=files["dir"], check=True, stderr=subprocess.DEVNULL)
    return dir_bytes(mine), dir_bytes(theirs)


def verdict(what, ratio, met, goal, other_pct):
    s = f"{what}: {ratio:.2f}, {goal}: " + ("met" if met else "not met")
    if other_pct >= BUSY_PCT:
        s += (f"; other work used {other_pct:.0f}% of the machine meanwhile, "
              "so the ratio may be off by several points: rerun on an idle "
              "machine")
    return s + "."


def goal_line(name, ratio, target, met, other_pct):
    print(f"goal={name} ratio={ratio:.3f} target={target} "
          f"met={'yes' if met else 'no'} other_cpu={other_pct:.0f}%")


def config_lines(w, by, images, sizes=False):
    """One line per configuration of workload W, as the study's mode=."""
    for tag, rs in by.items():
        wall = med(by, tag, "wall_s")
        line = (f"{w}_config={tag} workers={rs[0]['workers']} "
                f"runs={len(rs)} median_wall_s={wall:.3f} "
                f"median_img_s={images / wall:.2f} "
                f"rss_per_worker_mb={per_worker_kb(by, tag) / 1024:.1f}")
        if sizes:
            line += f" out_kb={dir_bytes(out_dir(tag, w)) / 1024:.0f}"
        for k in ("lag_p50_ms", "lag_p99_ms", "lag_max_ms"):
            if med(by, tag, k) is not None:
                line += f" {k}={med(by, tag, k):.1f}"
        print(line)


def run_webp(count, table):
    files = study.file_set("webp", "std", count)
    by_rows, other = measure(workload("webp", files, ["-f", "webp"],
                                      ("threads", "procs"),
                                      f"webp[Q={WEBP_Q}]"))
    by = by_config(by_rows)
    mine, theirs = best(by, "imgpipe"), best(by, "peer")
    ratio = paired(by, mine, theirs)
    as_run = dir_bytes(out_dir(mine, "webp")) / dir_bytes(
        out_dir(theirs, "webp"))
    a, b = same_job_sizes(files, "webp", f"webp[Q={WEBP_Q},strip]")
    size = a / b
    config_lines("webp", by, len(files["names"]), sizes=True)
    print(f"formats=webp images={len(files['names'])} "
          f"runs={len(by[mine])} imgpipe={mine} "
          f"imgpipe_s={med(by, mine, 'wall_s'):.3f} vips={theirs} "
          f"vips_s={med(by, theirs, 'wall_s'):.3f} time_ratio={ratio:.3f} "
          f"size_kb={a / 1024:.0f} vips_size_kb={b / 1024:.0f} "
          f"size_ratio={size:.3f} size_ratio_as_run={as_run:.3f} "
          f"other_cpu={other:.0f}%")
    goal_line("webp_time", ratio, "<=0.50", ratio <= 0.5, other)
    goal_line("webp_size", size, "0.90..1.10", abs(size - 1) <= 0.1, other)
    print(verdict(f"WebP thumbnails, imgpipe {mine} over vips {theirs}, "
                  "wall time", ratio, ratio <= 0.5, "goal <= 0.50", other))
    print(verdict("WebP thumbnails, imgpipe's total size over vips' on the "
                  "same job, no metadata", size, abs(size - 1) <= 0.1,
                  "goal within 10%", other))
    table.append(("WebP thumbnails, wall s", mine, med(by, mine, "wall_s"),
                  theirs, med(by, theirs, "wall_s"), ratio, "≤ 0.50",
                  ratio <= 0.5, other))
    table.append(("WebP thumbnails, total KB (resize only, no metadata)",
                  f"threads-j{N}", a / 1024, "vipsthumbnail",
                  b / 1024, size, "0.90–1.10", abs(size - 1) <= 0.1, other))


def run_avif(count, table):
    files = study.file_set("avif", "std", count)
    extra = ["-f", "avif", "-q", str(AVIF_Q), "--effort", str(AVIF_EFFORT)]
    by_rows, other = measure(workload(
        "avif", files, extra, ("threads", "procs"),
        f"avif[Q={AVIF_Q},effort={AVIF_EFFORT}]"))
    by = by_config(by_rows)
    mine, theirs = best(by, "imgpipe"), best(by, "peer")
    ratio = paired(by, mine, theirs)
    mem_a, mem_b = per_worker_kb(by, mine), per_worker_kb(by, theirs)
    size = dir_bytes(out_dir(mine, "avif")) / dir_bytes(
        out_dir(theirs, "avif"))
    thr, vthr = encoder_threads(files)
    config_lines("avif", by, len(files["names"]), sizes=True)
    print(f"formats=avif images={len(files['names'])} runs={len(by[mine])} "
          f"quality={AVIF_Q} effort={AVIF_EFFORT} imgpipe={mine} "
          f"imgpipe_s={med(by, mine, 'wall_s'):.3f} vips={theirs} "
          f"vips_s={med(by, theirs, 'wall_s'):.3f} time_ratio={ratio:.3f} "
          f"rss_per_worker_mb={mem_a / 1024:.1f} "
          f"vips_rss_per_worker_mb={mem_b / 1024:.1f} "
          f"rss_ratio={mem_a / mem_b:.3f} "
          f"encoder_threads_per_worker={thr} vips_encoder_threads={vthr} "
          f"size_ratio_as_run={size:.3f} other_cpu={other:.0f}%")
    goal_line("avif_time", ratio, "<=1.00", ratio <= 1.0, other)
    print(verdict(f"AVIF thumbnails, imgpipe {mine} over vips {theirs}, "
                  "wall time", ratio, ratio <= 1.0, "goal <= 1.00", other))
    print(f"AVIF memory per worker: imgpipe {mine} {mem_a / 1024:.1f} MB, "
          f"vips {theirs} {mem_b / 1024:.1f} MB ({mem_a / mem_b:.2f}x); "
          f"the AV1 encoder runs on {1 + thr} thread(s) in each imgpipe "
          f"worker (the worker's own and {thr} more), and adds {vthr} "
          "to a vipsthumbnail at VIPS_CONCURRENCY=1.")
    table.append(("AVIF thumbnails, wall s", mine, med(by, mine, "wall_s"),
                  theirs, med(by, theirs, "wall_s"), ratio, "≤ 1.00",
                  ratio <= 1.0, other))
    table.append(("AVIF thumbnails, MB per worker", mine, mem_a / 1024,
                  theirs, mem_b / 1024, mem_a / mem_b, "reported", None,
                  other))


def run_heic(count, table):
    files = study.file_set("heic", "heic", count, (".heic",))
    stems = {n[:-5] for n in files["names"]}
    jpegs = study.file_set("heic-jpeg", "std", 0)
    jpegs["names"] = [n for n in jpegs["names"] if n[:-4] in stems]
    with open(jpegs["list"], "w") as f:
        f.write("".join(n + "\n" for n in jpegs["names"]))
    w, title, _, cfgs = workload("heic", files, [], ("threads", "procs"),
                                 "jpg[Q=85]")
    lag_pts = [("coop", N, []), ("coop", N, ["--offload"])]
    cfgs += study.imgpipe_configs("heic", files, THUMB, lag_pts)
    for c in study.imgpipe_configs("heic-jpeg", jpegs, THUMB, lag_pts):
        c.tag = "jpeg-" + c.tag
        cfgs.append(c)
    by_rows, other = measure((w, title, files, cfgs))
    by = by_config(by_rows)
    tput = {t: rs for t, rs in by.items() if t in
            {c.tag for c in cfgs if c.mode in ("threads", "procs",
                                              "vipsthumbnail")}}
    mine, theirs = best(tput, "imgpipe"), best(tput, "peer")
    ratio = 1 / paired(by, mine, theirs)
    n = len(files["names"])
    config_lines("heic", by, n)
    print(f"formats=heic images={n} runs={len(by[mine])} imgpipe={mine} "
          f"imgpipe_img_s={n / med(by, mine, 'wall_s'):.2f} vips={theirs} "
          f"vips_img_s={n / med(by, theirs, 'wall_s'):.2f} "
          f"throughput_ratio={ratio:.3f} other_cpu={other:.0f}%")
    goal_line("heic_throughput", ratio, ">=1.00", ratio >= 1.0, other)
    print(verdict(f"HEIC inputs, imgpipe {mine} throughput over vips "
                  f"{theirs}", ratio, ratio >= 1.0, "goal >= 1.00", other))
    table.append(("HEIC inputs, images/s", mine,
                  n / med(by, mine, "wall_s"), theirs,
                  n / med(by, theirs, "wall_s"), ratio, "≥ 1.00",
                  ratio >= 1.0, other))
    for tag in (f"coop-j{N}", f"coop-j{N}-offload"):
        h, j = (med(by, tag, "lag_p99_ms"), med(by, "jpeg-" + tag,
                                                "lag_p99_ms"))
        hm, jm = (med(by, tag, "lag_max_ms"), med(by, "jpeg-" + tag,
                                                  "lag_max_ms"))
        print(f"lag={tag} heic_lag_p99_ms={h:.1f} jpeg_lag_p99_ms={j:.1f} "
              f"heic_lag_max_ms={hm:.1f} jpeg_lag_max_ms={jm:.1f} "
              f"p99_ratio={h / j:.2f} other_cpu={other:.0f}%")
        why = ("the decodes run on the pool's threads, off the loop"
               if tag.endswith("offload") else "libheif decodes a whole "
               "image on the loop's thread without calling the row hook")
        print(f"coop loop lag ({tag}, --tick {study.COOP_TICK_MS}): p99 "
              f"{h:.1f} ms on HEIC inputs against {j:.1f} ms on the same "
              f"photos as JPEG/PNG ({h / j:.1f}x), largest {hm:.1f} against "
              f"{jm:.1f} ms; {why}.")
        table.append(("coop loop lag p99 ms, HEIC against JPEG/PNG", tag,
                      h, "jpeg-" + tag, j, h / j, "reported", None, other))


def print_table(table):
    """The rows of bench/README.md's Formats table."""
    print("| measure | imgpipe | value | vips / baseline | value | ratio "
          "| goal | met | other CPU |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for what, a, va, b, vb, ratio, goal, met, other in table:
        m = "–" if met is None else ("yes" if met else "no")
        print(f"| {what} | {a} | {va:.2f} | {b} | {vb:.2f} | {ratio:.2f} "
              f"| {goal} | {m} | {other:.0f}% |")


def main():
    fmts, savers = imgpipe_formats(), vips_savers()
    corpus = os.path.join(study.ROOT, "bench", "corpus")
    table = []
    if not os.path.isdir(os.path.join(corpus, "std")):
        sys.exit("bench: no bench/corpus/std: run bench/make-corpus")
    if "webp" not in fmts:
        skipped("webp", "not_built")
    elif "webpsave" not in savers:
        skipped("webp", "no_vips_webpsave")
    else:
        run_webp(12 if study.QUICK else 0, table)
    if "avif" not in fmts:
        skipped("avif", "not_built")
    elif "heifsave" not in savers:
        skipped("avif", "no_vips_heifsave")
    else:
        run_avif(4 if study.QUICK else 8, table)
    if "heic" not in fmts:
        skipped("heic", "not_built")
    elif "heifload" not in savers:
        skipped("heic", "no_vips_heifload")
    elif not os.path.isdir(os.path.join(corpus, "heic")):
        skipped("heic", "no_corpus_heic")
    else:
        run_heic(4 if study.QUICK else 12, table)
    if table:
        print_table(table)


if __name__ == "__main__":
    main()
