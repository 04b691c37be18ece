#!/usr/bin/env python3
"""The scaling study behind `make bench`: every mode at 1..nproc workers and
oversubscribed, the variants (--split rows, --gil, coop yields/offload), the
decode+encode floors (RGB and raw planes) and the peers, interleaved round
by round.  Writes
bench/results/<date>-<host>/{runs.csv,summary.csv,report.md,*.svg} (a new
<date>-<host>-N when that exists, unless BENCH_REPLACE=1) and prints
the key=value lines described in bench/README.md.  Called by bench/run.sh;
standard library only.
"""

import fnmatch
import json
import math
import os
import shutil
import signal
import statistics as st
import subprocess
import sys
import threading
import time

import stability

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUICK = os.environ.get("BENCH_QUICK", "0") not in ("", "0")
IMGPIPE = os.path.abspath(os.environ.get("IMGPIPE", "build/imgpipe"))
HELPERS = os.path.abspath(os.environ.get("BENCH_HELPERS",
                                         os.path.join(ROOT, "build", "bench")))
OUT = os.path.join(ROOT, "bench", "out")
NPROC = len(os.sched_getaffinity(0))
THUMB = "resize=800x800,sharpen=0.6"
HEAVY = "blur=4,sharpen=1,resize=1600x1600"
BIG = "resize=3200x3200,sharpen=1"      # no shrink-on-load: print size
MODES = ["threads", "procs", "omp", "coop"]
PEER_ENV = {"vips": "VIPS_CONCURRENCY", "gm": "OMP_NUM_THREADS"}
# Development knobs (bench/README.md): the workloads to run (thumb, heavy,
# big, pin; run.sh also reads colour, formats, urls), at most so many inputs
# a workload, and the configuration tags to keep (shell patterns; seq,
# which the others are paired with, and the pin check always stay).
WORKLOADS = [w for w in os.environ.get(
    "BENCH_WORKLOADS", "thumb,heavy,big,pin").split(",") if w]
MAX_FILES = int(os.environ.get("BENCH_FILES", "0") or 0)
CONFIGS = [p for p in os.environ.get("BENCH_CONFIGS", "").split(",") if p]
# The CV rule: rounds go on for configurations whose wall time varies by
# CV_TARGET or more, up to MAX_ROUNDS measured rounds and, in all, EXTRA
# times the time the minimum rounds took (so a noisy machine costs at most
# that much more; bench/README.md).
CV_TARGET = float(os.environ.get("BENCH_CV", "0.03"))
EXTRA = float(os.environ.get("BENCH_EXTRA", "0.5"))
# Filled by sweep(): (workload, tag) -> rounds, unstable, reason, timeouts;
# and workload -> the timeout its runs had.
STATUS = {}
TIMEOUTS = {}


def smt_cores():
    """Physical cores among the allowed CPUs, when sysfs says (else 0)."""
    seen = set()
    for c in os.sched_getaffinity(0):
        try:
            with open(f"/sys/devices/system/cpu/cpu{c}/topology/"
                      "thread_siblings_list") as f:
                seen.add(f.read().strip())
        except OSError:
            return 0
    return len(seen)


SMT_CORES = smt_cores()
# The first allowed CPU: the pin check's --cpus target.
CPU0 = min(os.sched_getaffinity(0))


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def worker_counts():
    """1..nproc (thinned on big machines), then 2x and 4x oversubscribed."""
    if QUICK:
        return [NPROC, 2 * NPROC]
    if NPROC <= 8:
        base = list(range(1, NPROC + 1))
    else:
        base = sorted({1, 2, 3, 4, NPROC} |
                      {k * 2 ** e for k in (2, 3) for e in range(8)
                       if k * 2 ** e <= NPROC})
    return base + [2 * NPROC, 4 * NPROC]


class Config:
    """One point of the sweep: a command, how to read its results."""

    def __init__(self, tag, kind, mode, workers, variant, argv, env=None,
                 cwd=None):
        self.tag, self.kind, self.mode = tag, kind, mode
        self.workers, self.variant = workers, variant
        self.argv, self.env, self.cwd = argv, env or {}, cwd

    def command(self, names=None):
        """A shell line that reproduces this run from the repository root;
        NAMES (the input list) is replaced by the list file LIST."""
        base = self.cwd or ROOT
        args = []
        for a in self.argv:
            if a.startswith(ROOT + "/"):
                a = os.path.relpath(a, base)
            if names and a == names[0][0]:
                a = f"$(cat {os.path.relpath(names[1], base)})"
            elif names and a in names[0][1:]:
                continue
            args.append(a if not set(" []%$") & set(a) or a.startswith("$(")
                        else f"'{a}'")
        envs = "".join(f"{k}={v} " for k, v in self.env.items())
        line = envs + " ".join(args)
        if self.cwd:
            return f"(cd {os.path.relpath(self.cwd, ROOT)} && {line})"
        return line


COOP_TICK_MS = 2


def imgpipe_configs(w, files, pipeline, points):
    """POINTS: (mode, workers, variant flags) -> configs of workload W."""
    out = []
    for mode, j, extra in points:
        variant = " ".join(extra) or "-"
        suffix = {"--split": "-rows", "--gil": "-gil", "--yield-rows":
                  "-yield16", "--offload": "-offload",
                  "--cpus": f"-cpus{CPU0}",
                  "--pin": f"-pin{extra[1] if len(extra) > 1 else ''}"
                  }.get(extra[0] if extra else "", "")
        tag = "seq" if mode == "seq" else f"{mode}-j{j}{suffix}"
        d = os.path.join(OUT, w, tag)
        argv = [IMGPIPE, os.path.relpath(files["dir"], ROOT),
                os.path.relpath(d, ROOT), "-m", mode, "-j", str(j),
                "--files-from", os.path.relpath(files["list"], ROOT),
                "-p", pipeline, "-q", "85", "--quiet",
                "--report", os.path.relpath(d + ".report.json", ROOT),
                "--trace", os.path.relpath(d + ".trace.json", ROOT)] + extra
        # A 2 ms heartbeat: ~400 ticks a run on the thumbnail job, so that
        # p99 is a percentile; at the default 10 ms it was the maximum of 80.
        if mode == "coop":
            argv += ["--tick", str(COOP_TICK_MS)]
        out.append(Config(tag, "imgpipe", mode, j, variant, argv))
    return out


def floor_config(w, files, box, shrink, raw=False):
    """bench/floor.c on the workload's files: the RGB decode+encode floor,
    or with RAW the raw-planes floor (no colour conversion, no chroma
    resampling; tag rawfloor)."""
    argv = [os.path.join(HELPERS, "floor"), "-b", str(box)] + \
        ([] if shrink else ["-n"]) + (["-r"] if raw else []) + files["names"]
    if raw:
        return Config("rawfloor", "floor", "rawfloor", 1,
                      "libjpeg-turbo raw planes", argv, cwd=files["dir"])
    return Config("floor", "floor", "floor", 1, "libjpeg-turbo only", argv,
                  cwd=files["dir"])


def floor_configs(w, files, box, shrink):
    """Both floors of a workload."""
    return [floor_config(w, files, box, shrink),
            floor_config(w, files, box, shrink, raw=True)]


def ceiling_config():
    """The host's own ceilings for CPU work and for memory-bound work on
    every core (bench/ceiling.c), measured in every round beside the modes."""
    argv = [os.path.join(HELPERS, "ceiling"), "-t", str(NPROC)]
    return Config("ceiling", "ceiling", "ceiling", NPROC, "integer spin",
                  argv)


def vips_configs(w, files, n, save):
    """vipsthumbnail's thumbnail job at N threads, and for N > 1 also as N
    single-threaded processes side by side (the shell-loop way), each on an
    equal share of the files; SAVE is the output suffix, "jpg[Q=85]"."""
    vips = ["vipsthumbnail", "--size", "800x800", "-o"]
    d = os.path.join(OUT, w, f"vips-t{n}")
    out = [Config(f"vips-t{n}", "peer", "vipsthumbnail", n, "no sharpen",
                  vips + [d + "/%s." + save] + files["names"],
                  {"VIPS_CONCURRENCY": str(n)}, files["dir"])]
    if n > 1:
        d = os.path.join(OUT, w, f"vips-p{n}")
        k = -(-len(files["names"]) // n)
        out.append(Config(f"vips-p{n}", "peer", "vipsthumbnail", n,
                          f"{n} processes", ["xargs", "-a", files["list"],
                                             "-P", str(n), "-n", str(k)] +
                          vips + [d + "/%s." + save],
                          {"VIPS_CONCURRENCY": "1"}, files["dir"]))
    return out


def peer_configs(w, files, job):
    """vipsthumbnail, ImageMagick and GraphicsMagick at 1 and nproc threads."""
    out = []
    for n in sorted({1, NPROC}):
        if shutil.which("vipsthumbnail") and job == "thumb":
            out += vips_configs(w, files, n, "jpg[Q=85]")
        ops = (["-define", "jpeg:size=1600x1600", "-resize", "800x800",
                "-unsharp", "0x0.6"] if job == "thumb" else
               ["-blur", "0x4", "-unsharp", "0x1", "-resize", "1600x1600"])
        if shutil.which("mogrify"):
            d = os.path.join(OUT, w, f"im-t{n}")
            out.append(Config(f"im-t{n}", "peer", "imagemagick", n,
                              "mogrify", ["mogrify", "-path", d, "-limit",
                                          "thread", str(n)] + ops +
                              ["-quality", "85"] + files["names"],
                              cwd=files["dir"]))
        if shutil.which("gm"):
            d = os.path.join(OUT, w, f"gm-t{n}")
            gops = [("-size" if o == "-define" else o) for o in ops]
            gops = [o.replace("jpeg:size=", "") for o in gops]
            out.append(Config(f"gm-t{n}", "peer", "graphicsmagick", n,
                              "gm mogrify", ["gm", "mogrify",
                                             "-output-directory", d] + gops +
                              ["-quality", "85"] + files["names"],
                              {"OMP_NUM_THREADS": str(n)}, files["dir"]))
    return out


def same_job_reference(work):
    """vipsthumbnail cannot sharpen, so its PSNR is also taken against
    imgpipe seq running vips' own job (resize only), run once, untimed.
    Returns {peer config tag: reference directory}."""
    refs = {}
    for w, _, files, cfgs in work:
        vips = [c for c in cfgs if c.mode == "vipsthumbnail"]
        if not vips:
            continue
        d = os.path.join(OUT, w, "seq-resize-only")
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([IMGPIPE, files["dir"], d, "-m", "seq",
                        "--files-from", files["list"], "-p",
                        THUMB.split(",")[0], "-q", "85", "--quiet"],
                       check=True)
        refs.update({c.tag: d for c in vips})
    return refs


def file_set(w, sub, count, exts=(".jpg", ".png")):
    """The inputs of workload W: the first COUNT files of bench/corpus/SUB
    named *EXTS, taken evenly over the sorted list so a subset mixes sizes
    and PNGs."""
    d = os.path.join(ROOT, "bench", "corpus", sub)
    names = sorted(f for f in os.listdir(d) if f.endswith(exts))
    if MAX_FILES:
        count = min(count, MAX_FILES) if count else MAX_FILES
    if count and count < len(names):
        names = [names[i * len(names) // count] for i in range(count)]
    os.makedirs(os.path.join(OUT, w), exist_ok=True)
    lst = os.path.join(OUT, w, "files.txt")
    with open(lst, "w") as f:
        f.write("".join(n + "\n" for n in names))
    return {"dir": d, "names": names, "list": lst}


def has_cpus_option():
    """Whether this imgpipe has --cpus (the pin check needs it)."""
    try:
        out = subprocess.run([IMGPIPE, "--help"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return b"--cpus" in out


def pin_workload():
    """The pinning check: threads -j 1, -j 2, and -j 2 with --cpus on one
    CPU, on the thumbnail job's quick inputs, interleaved like the rest."""
    files = file_set("pin", "std", 12)
    pts = [("threads", 1, []), ("threads", 2, []),
           ("threads", 2, ["--cpus", str(CPU0)])]
    # Placement at nproc: where the scheduler keeps workers on their cores
    # and nodes, --pin cores gains nothing; on NUMA machines it may.  With
    # SMT, --pin threads at the core count shows what a sibling costs.
    pts += [("threads", NPROC, ["--pin", "cores"])]
    if NPROC != 2:
        pts += [("threads", NPROC, [])]
    if SMT_CORES and SMT_CORES < NPROC:
        pts += [("threads", SMT_CORES, ["--pin", "cores"]),
                ("threads", SMT_CORES, ["--pin", "threads"])]
    return ("pin", f"pinning check (-m threads, -p {THUMB} -q 85)", files,
            imgpipe_configs("pin", files, THUMB, pts))


def pin_skip_reason():
    """Why the pin check cannot run here, or None."""
    if NPROC < 2:
        return "one_cpu"
    if not has_cpus_option():
        return "no_cpus_option"
    return None


def wanted(cfg, w):
    """BENCH_CONFIGS: keep CFG?  seq, which the others are paired with, and
    the pin check (selected by BENCH_WORKLOADS) always stay."""
    if not CONFIGS or cfg.tag == "seq" or w == "pin":
        return True
    return any(fnmatch.fnmatchcase(cfg.tag, p) for p in CONFIGS)


def workloads():
    """(name, title, files, configs) of the workloads BENCH_WORKLOADS
    names (all four by default)."""
    res = [x for x in all_workloads() if x[0] in WORKLOADS]
    if "pin" in WORKLOADS and not pin_skip_reason():
        res.append(pin_workload())
    return [(w, t, f, [c for c in cfgs if wanted(c, w)])
            for w, t, f, cfgs in res]


def all_workloads():
    """(name, title, files, configs) of the three main workloads."""
    wc, n = worker_counts(), NPROC
    res = []
    files = file_set("thumb", "std", 12 if QUICK else 0)
    pts = [("seq", 1, [])] + [(m, j, []) for j in wc for m in MODES
                              if not QUICK or j == n or m == "threads"] + [
        ("threads", n, ["--split", "rows"]), ("threads", n, ["--gil"]),
        ("coop", n, ["--yield-rows", "16"]), ("coop", n, ["--offload"])] + \
        ([] if QUICK else [("omp", n, ["--split", "rows"])])
    cfgs = imgpipe_configs("thumb", files, THUMB, pts)
    cfgs += floor_configs("thumb", files, 800, True) + [ceiling_config()]
    cfgs += [c for c in peer_configs("thumb", files, "thumb")
             if not QUICK or c.workers == n]
    res.append(("thumb", f"thumbnail job (-p {THUMB} -q 85)", files, cfgs))
    files = file_set("heavy", "std", 2 if QUICK else 4)
    hw = [n] if QUICK else sorted({1, n, 2 * n})
    pts = [("seq", 1, [])] + [(m, j, []) for j in hw for m in MODES
                              if not QUICK or m != "coop"] + \
        [("threads", n, ["--split", "rows"])] + \
        ([] if QUICK else [("omp", n, ["--split", "rows"])])
    cfgs = imgpipe_configs("heavy", files, HEAVY, pts)
    cfgs += floor_configs("heavy", files, 1600, False)
    res.append(("heavy", f"heavy-filter job (-p {HEAVY} -q 85)", files, cfgs))
    files = file_set("big", "big", 2 if QUICK else 0)
    pts = [("seq", 1, []), ("threads", n, []),
           ("threads", n, ["--split", "rows"])] + \
        ([] if QUICK else [("omp", n, []), ("omp", n, ["--split", "rows"]),
                           ("procs", n, [])])
    cfgs = imgpipe_configs("big", files, BIG, pts)
    cfgs += floor_configs("big", files, 3200, False)
    res.append(("big", f"few large images (42-54 MP, -p {BIG} -q 85)",
                files, cfgs))
    return res


def tree_pids(pid):
    """PID and its descendants, via /proc/PID/task/TID/children."""
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return seen


def tree_rss_kb(pid):
    """Sum of the proportional set sizes (Pss) of the tree: forked workers
    share pages copy-on-write, and Pss counts each shared page once."""
    total = 0
    for p in tree_pids(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def execute(cfg, timeout=None):
    """Run CFG once.  wait4 gives its CPU time and the largest RSS of any
    process in its tree (the kernel folds each reaped descendant in); a
    sampler adds the tree's total Pss every 50 ms.  A run still going after
    TIMEOUT seconds is killed with its whole process group and comes back
    with timed_out=1."""
    outdir = out_dir(cfg)
    if outdir:
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir, exist_ok=True)
    env = dict(os.environ, **cfg.env)
    with open(os.path.join(OUT, "run.stdout"), "w+b") as out, \
            open(os.path.join(OUT, "run.stderr"), "w+b") as err:
        t0 = time.monotonic()
        # Its own process group, so a timeout kills procs' workers too.
        proc = subprocess.Popen(cfg.argv, cwd=cfg.cwd or ROOT, env=env,
                                stdout=out, stderr=err,
                                start_new_session=True)
        peak, done, late = [0], threading.Event(), threading.Event()

        def sample():
            while not done.wait(0.05):
                peak[0] = max(peak[0], tree_rss_kb(proc.pid))
                if timeout and time.monotonic() - t0 > timeout and \
                        not late.is_set():
                    late.set()
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except OSError:
                        pass
        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        th.join()
        if late.is_set():
            try:        # whatever of the group outlived its leader
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            return {"wall_s": wall, "timed_out": 1}, b""
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        sys.exit(f"bench: {cfg.tag} exited with {proc.returncode}: "
                 f"{stderr.decode(errors='replace')[:500]}\n{cfg.command()}")
    return {"wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
            "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_kb": ru.ru_maxrss,
            "minflt": ru.ru_minflt,
            "tree_pss_kb": peak[0] or None}, stdout


def out_dir(cfg):
    if cfg.kind == "imgpipe":
        return os.path.join(ROOT, cfg.argv[2])
    for flag in ("-path", "-output-directory"):
        if flag in cfg.argv:
            return cfg.argv[cfg.argv.index(flag) + 1]
    if cfg.kind == "peer":
        return os.path.dirname(cfg.argv[cfg.argv.index("-o") + 1])
    return None


def run_once(cfg, timeout=None):
    """One measurement of CFG as a dict (a row of runs.csv)."""
    row, stdout = execute(cfg, timeout)
    if row.get("timed_out"):
        return row
    if cfg.kind == "imgpipe":
        rep = json.load(open(os.path.join(ROOT, cfg.argv[cfg.argv.index(
            "--report") + 1])))
        if rep["images"]["failed"]:
            sys.exit(f"bench: {cfg.tag}: {rep['images']['failed']} failed")
        lat = sorted(1e3 * (f["end_s"] - f["start_s"]) for f in rep["files"]
                     if f["status"] == "ok")
        row.update(report_wall_s=rep["wall_s"],
                   report_rss_kb=rep["peak_rss_kb"],
                   images=rep["images"]["ok"], lat_p50_ms=pct(lat, 50),
                   lat_p99_ms=pct(lat, 99))
        if rep.get("loop"):
            lag = rep["loop"]["lag_ms"]
            row.update(lag_p50_ms=lag["p50"], lag_p99_ms=lag["p99"],
                       lag_max_ms=lag["max"], ticks=rep["loop"]["ticks"],
                       _hist=rep["loop"].get("hist"))
        row["_files"] = {f["input"]: 1e3 * (f["end_s"] - f["start_s"])
                         for f in rep["files"]}
    elif cfg.kind == "floor":
        per = {}
        for line in stdout.decode().splitlines():
            name, ms = line.rsplit(" ", 1)
            if ms != "-":
                per[name] = float(ms)
        row.update(images=len(per), _files=per,
                   lat_p50_ms=pct(sorted(per.values()), 50),
                   lat_p99_ms=pct(sorted(per.values()), 99))
    elif cfg.kind == "ceiling":
        out = stdout.decode()
        row["ceiling"] = float(out.split(" ceiling=")[1].split()[0])
        if "mem_ceiling=" in out:
            row["mem_ceiling"] = float(out.split("mem_ceiling=")[1].split()[0])
    return row


def pct(sorted_vals, p):
    """Nearest-rank percentile."""
    if not sorted_vals:
        return None
    k = max(0, math.ceil(p / 100 * len(sorted_vals)) - 1)
    return sorted_vals[k]


def anchors(cfg, tags):
    """The configurations CFG's derived figures are paired with per round:
    seq (speed-up), the host ceiling (at nproc workers and above), the same
    mode at nproc (oversubscribed), the pin check's -j 1."""
    out = set()
    if cfg.kind == "imgpipe":
        out |= {"seq", "threads-j1"}
        if cfg.workers >= NPROC:
            out.add("ceiling")
        if cfg.variant == "-" and cfg.workers > NPROC:
            out.add(f"{cfg.mode}-j{NPROC}")
    return (out & tags) - {cfg.tag}


def calibrate(work):
    """One untimed run of each workload's first configuration (seq, or the
    pin check's -j 1), before the sweep: the estimate of its duration and
    each workload's timeout come from it.  It also fills the file cache."""
    cal = {}
    for w, _, files, cfgs in work:
        row = run_once(cfgs[0], float(os.environ.get("BENCH_TIMEOUT") or
                                      600))
        cal[w] = row["wall_s"]
        TIMEOUTS[w] = float(os.environ.get("BENCH_TIMEOUT") or
                            max(120.0, 20 * row["wall_s"]))
    return cal


# A peer's time on the thumbnail job over imgpipe seq's, per thread it may
# use (the 2-core development machine, 12 photos: ImageMagick 2 threads
# 3.34 s, GraphicsMagick 2.25 s, vipsthumbnail 1.03 s, seq 0.71 s).
PEER_COST = {"imagemagick": 9.4, "graphicsmagick": 6.4, "vipsthumbnail": 2.9}


def estimate(work, cal, runs, warmup, max_rounds):
    """(expected, at most) seconds of the sweep: every configuration takes
    its workload's calibration time over min(workers, nproc) a run, times
    PEER_COST for a peer (the ceiling about 2 s); the minimum rounds, and
    the CV rule's limit."""
    exp = 0.0
    for w, _, files, cfgs in work:
        one = sum(2.0 if c.kind == "ceiling" else
                  PEER_COST.get(c.mode, 1.0) * cal[w] /
                  min(max(c.workers, 1), NPROC) for c in cfgs)
        exp += (warmup + runs) * one
    most = min(exp * (1 + EXTRA),
               exp * (warmup + max_rounds) / (warmup + runs))
    return exp, most


def sweep(work, runs, warmup, max_rounds=None):
    """WARMUP + RUNS rounds of every config of every workload, each round
    in a rotated order so no config always follows the same one; then the
    CV rule's further rounds (of the unstable configurations and those they
    are paired with, in rotated order too) up to MAX_ROUNDS measured rounds
    or the time budget (none when MAX_ROUNDS is None: bench/formats.py's
    fixed rounds).  A configuration that timed out runs no more."""
    rows = []
    cv_rule = max_rounds is not None
    max_rounds = max_rounds or runs
    for w, title, files, cfgs in work:
        TIMEOUTS.setdefault(w, float(os.environ.get("BENCH_TIMEOUT") or 600))
        say(f"{w}: {len(cfgs)} configurations x ({warmup} warm-up + {runs}"
            f"..{max_rounds}) rounds, {len(files['names'])} files, "
            f"timeout {TIMEOUTS[w]:.0f} s a run")
        tags = {c.tag for c in cfgs}
        dead, walls = set(), {c.tag: [] for c in cfgs}
        todo, r, t0, budget = cfgs, 0, time.monotonic(), None
        while todo:
            k = r % len(todo)
            for cfg in todo[k:] + todo[:k]:
                if cfg.tag in dead:
                    continue
                res = run_once(cfg, TIMEOUTS[w])
                res.update(workload=w, config=cfg.tag, kind=cfg.kind,
                           mode=cfg.mode, workers=cfg.workers,
                           variant=cfg.variant, round=r - warmup,
                           warmup=int(r < warmup))
                rows.append(res)
                if res.get("timed_out"):
                    dead.add(cfg.tag)
                    say(f"{w}: {cfg.tag} timed out after "
                        f"{TIMEOUTS[w]:.0f} s; it runs no more")
                elif r >= warmup:
                    walls[cfg.tag].append(res["wall_s"])
            r += 1
            say(f"{w}: round {r}/{warmup + runs} done" if r <= warmup + runs
                else f"{w}: CV round {r - warmup - runs} done "
                f"({len(todo)} configurations)")
            if r < warmup + runs:
                continue
            if budget is None:      # the minimum rounds are over
                budget, t0 = EXTRA * (time.monotonic() - t0), \
                    time.monotonic()
            # the ceiling's figure is its ratio: it reruns as an anchor only
            live = {c.tag: walls[c.tag] for c in cfgs
                    if c.tag not in dead and c.kind != "ceiling"}
            bad = set(stability.unstable(live, CV_TARGET)) if cv_rule \
                else set()
            need = set(bad)
            for c in cfgs:
                if c.tag in bad:
                    need |= anchors(c, tags)
            need -= dead
            # the next round takes about the median run of each it runs
            nxt = sum(st.median(walls[t]) for t in need if walls[t])
            stop = None
            if bad and r - warmup >= max_rounds:
                stop = "round limit"
            elif bad and time.monotonic() - t0 + nxt > budget:
                stop = "time budget"
            if not bad or stop:
                for c in cfgs:
                    STATUS[(w, c.tag)] = {
                        "rounds": len(walls[c.tag]),
                        "unstable": c.tag in bad, "stop": stop
                        if c.tag in bad else None,
                        "timed_out": c.tag in dead}
                if bad:
                    say(f"{w}: still at or above {CV_TARGET:.0%} CV after "
                        f"{r - warmup} rounds ({stop}): "
                        + ", ".join(sorted(bad)))
                break
            todo = [c for c in cfgs if c.tag in need and c.tag not in dead]
    return rows


def mp_of(files):
    """Megapixels of each input, from imginfo.py (the JPEG/PNG headers)."""
    paths = [os.path.join(files["dir"], n) for n in files["names"]]
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "cli",
                                                       "imginfo.py")] + paths,
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    return {n: int(l.split()[1]) * int(l.split()[2]) / 1e6
            for n, l in zip(files["names"], out.splitlines())}


def per_file_ms(runs):
    """A floor's median ms per file over its measured runs ({} if none)."""
    if not runs:
        return {}
    return {n: st.median(r["_files"][n] for r in runs)
            for n in runs[0]["_files"]}


def summarise(work, rows):
    """One dict per (workload, config): medians, ranges, derived figures."""
    out = []
    for w, title, files, cfgs in work:
        mp = sum(mp_of(files).values())
        meas = [r for r in rows if r["workload"] == w and not r["warmup"]
                and not r.get("timed_out")]
        by = {c.tag: [r for r in meas if r["config"] == c.tag] for c in cfgs}
        seq = {r["round"]: r["wall_s"] for r in by.get("seq", [])}
        floors = {t: per_file_ms(by.get(t)) for t in ("floor", "rawfloor")}
        ceil = {r["round"]: r["ceiling"] for r in by.get("ceiling", [])}
        for c in cfgs:
            rs = by[c.tag]
            if not rs:          # timed out before a measured round
                continue
            s = {"workload": w, "config": c.tag, "kind": c.kind,
                 "mode": c.mode, "workers": c.workers, "variant": c.variant,
                 "runs": len(rs), "images": len(files["names"]),
                 "megapixels": round(mp, 2)}
            for k in ("wall_s", "cpu_s", "minflt", "peak_rss_kb",
                      "tree_pss_kb", "lat_p50_ms", "lat_p99_ms", "lag_p50_ms",
                      "lag_p99_ms", "lag_max_ms", "ceiling", "mem_ceiling"):
                v = [r[k] for r in rs if r.get(k) is not None]
                if v:
                    s[k] = st.median(v)
                    s[k + "_min"], s[k + "_max"] = min(v), max(v)
            hists = [r["_hist"] for r in rs if r.get("_hist")]
            if hists:
                s["lag_hist_le_ms"] = hists[0]["le_ms"]
                s["lag_hist"] = [sum(c) for c in
                                 zip(*(h["counts"] for h in hists))]
            walls = [r["wall_s"] for r in rs]
            lo, hi, cov = stability.median_ci(walls)
            s.update(wall_cv=stability.cv(walls), wall_ci_lo=lo,
                     wall_ci_hi=hi, ci_level=cov)
            stat = STATUS.get((w, c.tag), {})
            s["unstable"] = int(bool(stat.get("unstable")))
            s["stop"] = stat.get("stop") or ""
            s["timed_out"] = sum(1 for r in rows if r["workload"] == w and
                                 r["config"] == c.tag and r.get("timed_out"))
            s["img_s"] = s["images"] / s["wall_s"]
            s["mp_s"] = mp / s["wall_s"]
            sps = [seq[r["round"]] / r["wall_s"] for r in rs
                   if r["round"] in seq]
            if sps and c.kind == "imgpipe":
                sp = st.median(sps)
                s["speedup"], s["efficiency"] = sp, sp / c.workers
                s["speedup_min"], s["speedup_max"] = min(sps), max(sps)
                s["speedup_ci_lo"], s["speedup_ci_hi"], _ = \
                    stability.median_ci(sps)
                if c.workers > 1 and c.kind == "imgpipe":
                    s["karp_flatt"] = (1 / sp - 1 / c.workers) / \
                        (1 - 1 / c.workers)
            if ceil and seq and c.kind == "imgpipe" and c.workers >= NPROC:
                # paired per round: the host's grant drifts between rounds
                s["of_ceiling"] = st.median(
                    seq[r["round"]] / r["wall_s"] / ceil[r["round"]]
                    for r in rs if r["round"] in ceil)
            for t, key in (("floor", "floor"), ("rawfloor", "raw_floor")):
                floor_ms = floors[t]
                floor_s = sum(floor_ms.values()) / 1e3
                if floor_s and c.kind == "imgpipe":
                    s["x_" + key] = s["wall_s"] / (floor_s /
                                                   min(c.workers, NPROC))
                if c.tag == "seq" and floor_ms:
                    per = [st.median(r["_files"][n] for r in rs) /
                           floor_ms[n]
                           for n in floor_ms if n in rs[0]["_files"]]
                    s[f"seq_over_{key}_per_image"] = st.median(per)
            over = by.get(f"{c.mode}-j{NPROC}")
            if c.kind == "imgpipe" and c.variant == "-" and \
                    c.workers > NPROC and over:
                # paired per round, like the speed-up: drift hits both alike
                base = {r["round"]: r["wall_s"] for r in over}
                s["vs_nproc"] = st.median(base[r["round"]] / r["wall_s"]
                                          for r in rs if r["round"] in base)
            s["command"] = c.command((files["names"], files["list"]))
            out.append(s)
        fit_amdahl([s for s in out if s["workload"] == w])
    return out


def fit_amdahl(sums):
    """Least-squares serial fraction f of S(p) = 1 / (f + (1 - f) / p) over
    each mode's points with 1 <= p <= nproc (seq counts as p = 1)."""
    for mode in MODES:
        pts = [(s["workers"], s["speedup"]) for s in sums
               if s["mode"] == mode and s["variant"] == "-" and
               s["workers"] <= NPROC and "speedup" in s]
        pts += [(1, 1.0)]
        if len(pts) < 2 or NPROC == 1:
            continue

        def err(f):
            return sum((sp - 1 / (f + (1 - f) / p)) ** 2 for p, sp in pts)
        f = min((i / 1000 for i in range(1001)), key=err)
        for s in sums:
            if s["mode"] == mode and s["variant"] == "-":
                s["amdahl_f"] = f


if __name__ == "__main__":
    import report
    report.main(sys.modules[__name__])
