#!/usr/bin/env python3
"""The decision table's io and mixed columns on the bench corpus.

  IMGPIPE=build/imgpipe TOOLS=build/tests python3 -B bench/urls.py
  (BENCH_CORPUS=samples for a quick look at another folder)
  (or: sh bench/run.sh urls, which builds nothing: make first)

Serves bench/corpus/std (the photos, for mixed) and 256-pixel renditions
of them made by imgpipe (for io) from photoserv with LATENCY_MS (100) a
response, then runs imgpipe compare:

  io     IO_URLS (64) renditions under /copy/<k>/, --io-pipeline
         resize=64x64, ROUNDS (5) interleaved rounds: the table, and the
         sweep up to 64 in flight;
  sweep  SWEEP_URLS (1024; 0 skips it) renditions, 1 round: the sweep
         up to that many in flight (procs to 256); its seq row alone
         takes SWEEP_URLS x 0.1 s;
  mixed  the photos, -p resize=800x800,sharpen=0.6, ROUNDS rounds.

and bench/serve-check.sh (is the server ever the bottleneck?).  Writes
compare's tables (urls-io.txt, urls-sweep.txt, urls-mixed.txt),
serve-check.txt, urls.json (every row), sweep-throughput.svg and
sweep-memory.svg, and urls.md (the figures against the done-when targets)
to BENCH_URLS_DIR (make bench: the urls/ folder of the study's results),
else BENCH_RESULTS, else bench/results/<date>-<host>/urls/ (urls-2, ...
when that exists), and prints one key=value line per target.
"""

import datetime
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import charts
import record

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
CORPUS = os.environ.get("BENCH_CORPUS", os.path.join(HERE, "corpus", "std"))
IMAGES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif")
JOB = "resize=800x800,sharpen=0.6"
# The targets (bench/README).
IO_TARGET = 15.0
WITHIN_BEST = 0.9


def env_int(name, default):
    return int(os.environ.get(name, default))


def results_dir():
    if os.environ.get("BENCH_URLS_DIR"):
        return os.environ["BENCH_URLS_DIR"]
    if os.environ.get("BENCH_RESULTS"):
        return os.environ["BENCH_RESULTS"]
    host = socket.gethostname().split(".")[0]
    base = os.path.join(HERE, "results",
                        f"{datetime.date.today().isoformat()}-{host}", "urls")
    out, n = base, 2
    while os.path.exists(out):
        out = f"{base}-{n}"
        n += 1
    return out


class Server:
    """photoserv on ROOT until stop(); its --stats afterwards."""

    def __init__(self, tools, root, work, latency_ms):
        self.port_file = os.path.join(work, "port")
        self.stats = os.path.join(work, "stats.json")
        self.proc = subprocess.Popen(
            [os.path.join(tools, "photoserv"), "--root", root, "--port", "0",
             "--port-file", self.port_file, "--latency-ms", str(latency_ms),
             "--stats", self.stats], stdout=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.port_file) and \
                    os.path.getsize(self.port_file) > 0:
                break
            if self.proc.poll() is not None:
                sys.exit("urls: photoserv did not start")
            time.sleep(0.05)
        with open(self.port_file) as f:
            self.base = f"http://127.0.0.1:{f.read().strip()}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        try:
            with open(self.stats) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None


def write_list(path, urls):
    with open(path, "w") as f:
        f.write("".join(u + "\n" for u in urls))


def copies(base, names, n):
    return [f"{base}/copy/{k}/small/{names[k % len(names)]}"
            for k in range(n)]


def parse_tables(text):
    """compare's URL tables: {workload: [row dicts]}, sweep rows marked."""
    out, wl, sweep = {}, None, False
    for line in text.splitlines():
        f = line.split()
        if len(f) == 2 and f[1] == "workload":
            wl, sweep = f[0], False
            out[wl] = []
            continue
        if line.startswith("concurrency sweep"):
            sweep = True
            continue
        if wl is None or len(f) < 11 or not f[1].isdigit() or \
                not f[4].endswith("x"):
            continue
        lag = None if f[10] == "-" else float(f[10])
        out[wl].append({
            "mode": f[0], "sweep": sweep, "in_flight": int(f[1]),
            "wall_s": float(f[2]), "urls_s": float(f[3]),
            "speedup": float(f[4][:-1]), "cpu_s": float(f[5]),
            "threads": int(f[6]), "procs": int(f[7]),
            "rss_mb": float(f[8]),
            "xfer_kb": None if f[9] == "-" else float(f[9]),
            "lag_p99_ms": lag, "same_bytes": f[-1] == "yes"})
    return out


def compare(imgpipe, workload, urls_path, rounds, log):
    cmd = [imgpipe, "compare", "--workload", workload, CORPUS, log + ".out",
           "--rounds", str(rounds)]
    if workload == "io":
        cmd += ["--io-urls", urls_path]
    else:
        cmd += ["--urls", urls_path, "-p", JOB]
    print("urls: " + " ".join(cmd), file=sys.stderr)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    shutil.rmtree(log + ".out", ignore_errors=True)
    with open(log + ".txt", "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        print(f"urls: compare {workload} exited {r.returncode}",
              file=sys.stderr)
    return parse_tables(r.stdout)


def sweep_series(rows, key):
    colours = {"threads": "#1f77b4", "coop": "#d62728", "procs": "#2ca02c"}
    series = []
    for mode, colour in colours.items():
        pts = [(r["in_flight"], r[key], None, None) for r in rows
               if r["sweep"] and r["mode"].startswith(mode + "-j") and
               r[key] is not None]
        if pts:
            series.append((mode, colour, sorted(pts), False))
    return series


def charts_for(out, rows, latency_ms):
    series = sweep_series(rows, "speedup")
    if not series:
        return
    xs = sorted({p[0] for s in series for p in s[2]})
    svg = charts.sweep_chart(
        "io: speed-up per URL over seq, by transfers in flight",
        f"small renditions, {latency_ms} ms a response; a level L "
        "downloads 4 L URLs", series, xs, "speed-up per URL over seq",
        ideal=True)
    with open(os.path.join(out, "sweep-throughput.svg"), "w") as f:
        f.write(svg)
    series = sweep_series(rows, "xfer_kb")
    if series:
        svg = charts.sweep_chart(
            "io: memory per transfer in flight",
            "peak RSS of the process tree above seq's, over (in flight - 1)",
            series, xs, "kB per transfer", ideal=False)
        with open(os.path.join(out, "sweep-memory.svg"), "w") as f:
            f.write(svg)


def row(rows, mode):
    for r in rows:
        if r["mode"] == mode and not r["sweep"]:
            return r
    return None


def verdicts(io, mixed):
    """key=value lines: the done-when targets, measured."""
    lines = []
    for mode in ("threads", "coop"):
        r = row(io, mode)
        if r:
            lines.append(f"io_{mode}_j{r['in_flight']}_speedup="
                         f"{r['speedup']:.2f} target>={IO_TARGET:g} "
                         f"met={int(r['speedup'] >= IO_TARGET)}")
    c, t = row(io, "coop"), row(io, "threads")
    if c and t:
        lines.append(f"io_coop_threads={c['threads']} "
                     f"io_threads_threads={t['threads']}")
    best = max((r for r in mixed if not r["sweep"] and r["mode"] != "seq"),
               key=lambda r: r["speedup"], default=None)
    o = row(mixed, "coop-offload")
    if best and o:
        lines.append(f"mixed_offload_speedup={o['speedup']:.2f} "
                     f"mixed_best={best['mode']}:{best['speedup']:.2f} "
                     f"within10={int(o['speedup'] >= WITHIN_BEST * best['speedup'])}")
    return lines


def main():
    imgpipe = os.path.abspath(os.environ.get(
        "IMGPIPE", os.path.join(TOP, "build", "imgpipe")))
    tools = os.path.abspath(os.environ.get(
        "TOOLS", os.path.join(TOP, "build", "tests")))
    rounds = env_int("ROUNDS", 5)
    n_io, n_sweep = env_int("IO_URLS", 64), env_int("SWEEP_URLS", 1024)
    latency = env_int("LATENCY_MS", 100)
    if not os.path.isdir(CORPUS):
        sys.exit("urls: no bench/corpus/std (python3 bench/make-corpus)")
    out = results_dir()
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="imgpipe-urls.")
    server = None
    # The machine record over these runs too (results.json's, as the study
    # takes it): urls.json's "machine".
    watch = record.MachineWatch(imgpipe)
    try:
        root = os.path.join(work, "root")
        photo = os.path.join(root, "photo")
        os.makedirs(photo)
        names = sorted(n for n in os.listdir(CORPUS)
                       if n.lower().endswith(IMAGES))
        for n in names:
            shutil.copy(os.path.join(CORPUS, n), photo)
        subprocess.run([imgpipe, "--quiet", "-p", "resize=256x256", photo,
                        os.path.join(root, "small")], check=True)
        small = sorted(os.listdir(os.path.join(root, "small")))
        server = Server(tools, root, work, latency)
        write_list(os.path.join(work, "io.urls"),
                   copies(server.base, small, n_io))
        write_list(os.path.join(work, "mixed.urls"),
                   [f"{server.base}/photo/{n}" for n in names])
        tables = {}
        tables["io"] = compare(imgpipe, "io", os.path.join(work, "io.urls"),
                               rounds, os.path.join(out, "urls-io"))
        if n_sweep > n_io:
            write_list(os.path.join(work, "sweep.urls"),
                       copies(server.base, small, n_sweep))
            tables["sweep"] = compare(
                imgpipe, "io", os.path.join(work, "sweep.urls"), 1,
                os.path.join(out, "urls-sweep"))
        tables["mixed"] = compare(imgpipe, "mixed",
                                  os.path.join(work, "mixed.urls"), rounds,
                                  os.path.join(out, "urls-mixed"))
        stats = server.stop()
        server = None
    finally:
        if server is not None:
            server.stop()
        machine = watch.stop()
        shutil.rmtree(work, ignore_errors=True)
    io = tables["io"].get("io", [])
    sweep = tables.get("sweep", {}).get("io", []) or io
    mixed = tables["mixed"].get("mixed", [])
    charts_for(out, sweep, latency)
    check = subprocess.run(["sh", os.path.join(HERE, "serve-check.sh")],
                           stdout=subprocess.PIPE, text=True,
                           env=dict(os.environ, TOOLS=tools))
    with open(os.path.join(out, "serve-check.txt"), "w") as f:
        f.write(check.stdout)
    lines = verdicts(io, mixed)
    if stats:
        lines.append(f"server_requests={stats.get('requests')} "
                     "server_cpu_share=%.3f" %
                     ((stats["cpu_user_s"] + stats["cpu_sys_s"]) /
                      max(stats["wall_s"], 1e-9)))
    with open(os.path.join(out, "urls.json"), "w") as f:
        json.dump({"machine": machine, "io": io, "sweep": sweep,
                   "mixed": mixed,
                   "rounds": rounds, "io_urls": n_io,
                   "sweep_urls": n_sweep, "latency_ms": latency,
                   "server": stats, "verdicts": lines}, f, indent=1)
    with open(os.path.join(out, "urls.md"), "w") as f:
        f.write("# io and mixed workloads\n\n")
        f.write(f"{n_io} io URLs, {n_sweep} for the sweep, {latency} ms a "
                f"response, {rounds} rounds (sweep: 1).\n\n```\n")
        f.write("\n".join(lines) + "\n```\n\n## serve-check\n\n```\n" +
                check.stdout + "```\n")
    for line in lines:
        print(line)
    print(f"urls: results in {os.path.relpath(out, TOP)}", file=sys.stderr)


if __name__ == "__main__":
    main()
