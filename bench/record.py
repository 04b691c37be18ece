"""bench/results/<run>/results.json, schema "imgpipe-bench/1" (every field
is documented in bench/README.md): the machine record `imgpipe machine
--json --watch 1000` took over the sweep, the corpus' hashes, imgpipe's
version and build flags, the limits the run had, and every configuration's
samples and summary.  bench/compare reads two of them."""

import hashlib
import json
import os
import signal
import subprocess

SCHEMA = "imgpipe-bench/1"
# The samples' keys, as measured per run (bench/study.py's run_once).
SAMPLE_KEYS = ["round", "warmup", "wall_s", "report_wall_s", "user_s", "sys_s",
               "cpu_s", "minflt", "peak_rss_kb", "report_rss_kb",
               "tree_pss_kb", "images", "lat_p50_ms", "lat_p99_ms",
               "lag_p50_ms", "lag_p99_ms", "lag_max_ms", "ticks", "ceiling",
               "mem_ceiling", "timed_out"]


class MachineWatch:
    """`imgpipe machine --json --watch 1000` from the start of the sweep to
    its end (SIGTERM), so the record's frequency figures cover the sweep.
    An imgpipe without the command, or any failure, gives {"status":
    "unknown", "error": why}: the study never stops for it."""

    def __init__(self, imgpipe):
        self.error = None
        try:
            self.proc = subprocess.Popen(
                [imgpipe, "machine", "--json", "--watch", "1000"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as e:
            self.proc, self.error = None, str(e)

    def stop(self):
        if not self.proc:
            return {"status": "unknown", "error": self.error}
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            out, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        try:
            rec = json.loads(out.decode(errors="replace"))
            if isinstance(rec, dict):
                return rec
        except ValueError:
            pass
        why = (err.decode(errors="replace").strip().splitlines() or [""])[0]
        return {"status": "unknown",
                "error": f"imgpipe machine exited {self.proc.returncode}"
                + (f": {why}" if why else "")}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def inputs_sha256(files):
    """sha256 of the manifest of a workload's inputs ("HASH  NAME" lines,
    sorted by name, as sha256sum writes them): equal on two machines when
    they read the same bytes, verified corpus or not."""
    lines = "".join(f"{sha256_file(os.path.join(files['dir'], n))}  {n}\n"
                    for n in sorted(files["names"]))
    return hashlib.sha256(lines.encode()).hexdigest()


def corpus(root, status):
    manifest = os.path.join(root, "bench", "corpus.sha256")
    return {"status": status,
            "manifest_sha256": sha256_file(manifest)
            if os.path.exists(manifest) else None}


def clean(v):
    """JSON has no NaN or infinity."""
    if isinstance(v, float) and v != v or v in (float("inf"), float("-inf")):
        return None
    return v


def workloads(study, work, rows, sums):
    out = []
    for w, title, files, cfgs in work:
        cs = []
        for c in cfgs:
            samples = [{k: clean(r.get(k)) for k in SAMPLE_KEYS
                        if r.get(k) is not None}
                       for r in rows if r["workload"] == w and
                       r["config"] == c.tag]
            summ = next((s for s in sums if s["workload"] == w and
                         s["config"] == c.tag), None)
            summ = {k: clean(v) for k, v in (summ or {}).items()
                    if k not in ("workload", "config", "kind", "mode",
                                 "workers", "variant", "command")}
            cs.append({"config": c.tag, "kind": c.kind, "mode": c.mode,
                       "workers": c.workers, "variant": c.variant,
                       "command": c.command((files["names"], files["list"])),
                       "status": study.STATUS.get((w, c.tag), {}),
                       "samples": samples, "summary": summ or None})
        out.append({"workload": w, "title": title,
                    "images": len(files["names"]),
                    "files": sorted(files["names"]),
                    "inputs_sha256": inputs_sha256(files),
                    "timeout_s": study.TIMEOUTS.get(w), "configs": cs})
    return out


def write(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write("\n")
