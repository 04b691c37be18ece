"""Hand-written SVG charts for the benchmark report (no plotting library):
line chart with an ideal line, horizontal bars with ranges, log-scale
grouped bars, and per-worker timelines."""

import math
from xml.sax.saxutils import escape

FONT = "font-family='DejaVu Sans,Arial,sans-serif'"
PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
           "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"]


def _text(x, y, s, size=12, anchor="start", weight="normal", rot=None,
          color="#222"):
    tr = f" transform='rotate({rot} {x:.1f} {y:.1f})'" if rot else ""
    return (f"<text x='{x:.1f}' y='{y:.1f}' font-size='{size}' "
            f"text-anchor='{anchor}' font-weight='{weight}' fill='{color}'"
            f"{tr}>{escape(str(s))}</text>")


def _line(x1, y1, x2, y2, color="#222", width=1, dash=None):
    d = f" stroke-dasharray='{dash}'" if dash else ""
    return (f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
            f"stroke='{color}' stroke-width='{width}'{d}/>")


def _rect(x, y, w, h, color, title=None, opacity=1.0):
    t = f"<title>{escape(title)}</title>" if title else ""
    return (f"<rect x='{x:.1f}' y='{y:.1f}' width='{max(w, 0.5):.1f}' "
            f"height='{h:.1f}' fill='{color}' fill-opacity='{opacity}'>{t}"
            "</rect>")


def _doc(w, h, body):
    return (f"<svg xmlns='http://www.w3.org/2000/svg' width='{w}' "
            f"height='{h}' viewBox='0 0 {w} {h}' {FONT}>\n"
            f"<rect width='{w}' height='{h}' fill='white'/>\n" +
            "\n".join(body) + "\n</svg>\n")


def nice_max(v):
    """A round axis maximum at or above V."""
    if v <= 0:
        return 1
    e = 10 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * e >= v:
            return m * e
    return 10 * e


def speedup_chart(title, subtitle, series, nproc, xs):
    """SERIES: [(name, colour, [(workers, speedup, lo, hi)], dashed)].
    x is log2(workers); the ideal line is min(p, nproc)."""
    W, H, L, R, T, B = 860, 480, 70, 230, 60, 60
    pw, ph = W - L - R, H - T - B
    xmax = max(xs)
    ymax = nice_max(max([nproc] + [p[1] if p[3] is None else p[3]
                                   for s in series for p in s[2]]) * 1.05)

    def X(p):
        return L + pw * (math.log2(p) / math.log2(xmax) if xmax > 1 else 0)

    def Y(v):
        return T + ph * (1 - v / ymax)
    body = [_text(W / 2, 24, title, 16, "middle", "bold"),
            _text(W / 2, 43, subtitle, 11, "middle", color="#555")]
    steps = 5
    for i in range(steps + 1):
        v = ymax * i / steps
        body += [_line(L, Y(v), L + pw, Y(v), "#e5e5e5"),
                 _text(L - 8, Y(v) + 4, f"{v:g}", 11, "end")]
    for p in xs:
        body += [_line(X(p), T + ph, X(p), T + ph + 5),
                 _text(X(p), T + ph + 19, p, 11, "middle")]
    body += [_line(L, T + ph, L + pw, T + ph), _line(L, T, L, T + ph),
             _text(L + pw / 2, H - 14, "workers (-j), log scale", 12,
                   "middle"),
             _text(20, T + ph / 2, "speed-up over seq", 12, "middle",
                   rot=-90)]
    body.append(_line(X(nproc), T, X(nproc), T + ph, "#999", 1, "2,3"))
    right = nproc == xmax
    body.append(_text(X(nproc) + (-4 if right else 4), T + 12,
                      f"{nproc} cores", 10, "end" if right else "start",
                      color="#777"))
    ideal = [(p, min(p, nproc)) for p in sorted(set(xs) | {1, nproc})]
    pts = " ".join(f"{X(p):.1f},{Y(v):.1f}" for p, v in ideal)
    body.append(f"<polyline points='{pts}' fill='none' stroke='#888' "
                "stroke-width='2' stroke-dasharray='6,4'/>")
    legend = [("ideal: min(workers, cores)", "#888", True, False)]
    singles = 0
    for name, color, points, dashed in series:
        # single points at one x are spread a little so none hides another
        dx = 0
        if len(points) == 1 and points[0][0] != 1:
            singles += 1
            dx = 7 * (singles // 2) * (1 if singles % 2 else -1)
        points = sorted(points)
        if len(points) > 1:
            pts = " ".join(f"{X(p):.1f},{Y(v):.1f}" for p, v, _, _ in points)
            d = " stroke-dasharray='3,3'" if dashed else ""
            body.append(f"<polyline points='{pts}' fill='none' "
                        f"stroke='{color}' stroke-width='2'{d}/>")
        for p, v, lo, hi in points:
            x = X(p) + dx
            if lo is not None:
                body.append(_line(x, Y(lo), x, Y(hi), color, 1))
            shape = (f"<circle cx='{x:.1f}' cy='{Y(v):.1f}' r='4' "
                     f"fill='{color}'>" if len(points) > 1 else
                     f"<rect x='{x - 4:.1f}' y='{Y(v) - 4:.1f}' width='8' "
                     f"height='8' fill='white' stroke='{color}' "
                     "stroke-width='2'>")
            tag = "circle" if len(points) > 1 else "rect"
            body.append(shape + f"<title>{escape(name)} j{p}: {v:.2f}"
                        f"</title></{tag}>")
        legend.append((name, color, dashed, len(points) == 1))
    for i, (name, color, dashed, single) in enumerate(legend):
        y = T + 10 + i * 20
        x = L + pw + 20
        if single:
            body.append(f"<rect x='{x + 10:.1f}' y='{y - 4:.1f}' width='8' "
                        f"height='8' fill='white' stroke='{color}' "
                        "stroke-width='2'/>")
        else:
            body.append(_line(x, y, x + 28, y, color, 2,
                              "6,4" if dashed else None))
        body.append(_text(x + 34, y + 4, name, 11))
    body.append(_text(L + pw + 20, T + 16 + len(legend) * 20,
                      "bars: min-max over rounds", 10, color="#777"))
    return _doc(W, H, body)


def sweep_chart(title, subtitle, series, xs, ylabel, ideal=False):
    """The io concurrency sweep: SERIES [(name, colour, [(in_flight, value,
    _, _)], dashed)] against in-flight transfers (log2 x, linear y); with
    IDEAL, the line value = in flight (every wait overlapped)."""
    W, H, L, R, T, B = 860, 480, 70, 200, 60, 60
    pw, ph = W - L - R, H - T - B
    xmax = max(xs + [2])
    top = max([p[1] for s in series for p in s[2]] + [1])
    ymax = nice_max(top * 1.05)

    def X(p):
        return L + pw * math.log2(p) / math.log2(xmax)

    def Y(v):
        return T + ph * (1 - min(v, ymax) / ymax)
    body = [_text(W / 2, 24, title, 16, "middle", "bold"),
            _text(W / 2, 43, subtitle, 11, "middle", color="#555")]
    for i in range(6):
        v = ymax * i / 5
        body += [_line(L, Y(v), L + pw, Y(v), "#e5e5e5"),
                 _text(L - 8, Y(v) + 4, f"{v:g}", 11, "end")]
    for p in xs:
        body += [_line(X(p), T + ph, X(p), T + ph + 5),
                 _text(X(p), T + ph + 19, p, 11, "middle")]
    body += [_line(L, T + ph, L + pw, T + ph), _line(L, T, L, T + ph),
             _text(L + pw / 2, H - 14, "transfers in flight (-j), log scale",
                   12, "middle"),
             _text(20, T + ph / 2, ylabel, 12, "middle", rot=-90)]
    legend = []
    if ideal:
        pts = " ".join(f"{X(p):.1f},{Y(p):.1f}" for p in sorted(set(xs)))
        body.append(f"<polyline points='{pts}' fill='none' stroke='#888' "
                    "stroke-width='2' stroke-dasharray='6,4'/>")
        legend.append(("ideal: = in flight", "#888", True))
    for name, color, points, dashed in series:
        pts = " ".join(f"{X(p):.1f},{Y(v):.1f}" for p, v, _, _ in points)
        d = " stroke-dasharray='3,3'" if dashed else ""
        body.append(f"<polyline points='{pts}' fill='none' stroke='{color}' "
                    f"stroke-width='2'{d}/>")
        for p, v, _, _ in points:
            body.append(f"<circle cx='{X(p):.1f}' cy='{Y(v):.1f}' r='4' "
                        f"fill='{color}'><title>{escape(name)} {p} in "
                        f"flight: {v:g}</title></circle>")
        legend.append((name, color, dashed))
    for i, (name, color, dashed) in enumerate(legend):
        y = T + 10 + i * 20
        x = L + pw + 20
        body += [_line(x, y, x + 28, y, color, 2, "6,4" if dashed else None),
                 _text(x + 34, y + 4, name, 11)]
    return _doc(W, H, body)


def bar_chart(title, subtitle, xlabel, items):
    """Horizontal bars; ITEMS: [(label, value, lo, hi, colour, note)]."""
    W, L, R, T, row = 860, 250, 90, 60, 26
    H = T + row * len(items) + 60
    pw = W - L - R
    xmax = nice_max(max((hi if hi is not None else v)
                        for _, v, lo, hi, _, _ in items) * 1.05)

    def X(v):
        return L + pw * v / xmax
    body = [_text(W / 2, 24, title, 16, "middle", "bold"),
            _text(W / 2, 43, subtitle, 11, "middle", color="#555")]
    for i in range(6):
        v = xmax * i / 5
        body += [_line(X(v), T - 4, X(v), T + row * len(items), "#e5e5e5"),
                 _text(X(v), T + row * len(items) + 16, f"{v:g}", 11,
                       "middle")]
    for i, (label, v, lo, hi, color, note) in enumerate(items):
        y = T + i * row
        body += [_rect(L, y + 4, X(v) - L, row - 8, color,
                       f"{label}: {v:.2f}"),
                 _text(L - 8, y + row / 2 + 4, label, 11, "end")]
        if lo is not None:
            body += [_line(X(lo), y + row / 2, X(hi), y + row / 2, "#222"),
                     _line(X(lo), y + 8, X(lo), y + row - 8, "#222"),
                     _line(X(hi), y + 8, X(hi), y + row - 8, "#222")]
        body.append(_text(max(X(v), X(hi or 0)) + 6, y + row / 2 + 4,
                          f"{v:.1f}{note}", 10, color="#444"))
    body += [_line(L, T + row * len(items), L + pw, T + row * len(items)),
             _text(L + pw / 2, H - 16, xlabel, 12, "middle")]
    return _doc(W, H, body)


def trace_spans(events):
    """The timeline's spans from --trace events: per task one pale span
    from its start to its end (waiting: the read or download, a CPU slot,
    the write) and a solid one per "compute" phase inside it, as
    (tid, start_s, end_s, name, kind) with kind "wait" or "compute".  A
    trace without phases gives each task one solid span."""
    tasks = [e for e in events if e.get("cat") == "task"]
    phases = {}
    for e in events:
        if e.get("cat") == "phase" and e.get("name") == "compute":
            phases.setdefault(e["tid"], []).append(e)
    has_phases = any(e.get("cat") == "phase" for e in events)
    out = []
    for t in tasks:
        s, e = t["ts"] / 1e6, (t["ts"] + t["dur"]) / 1e6
        if not has_phases:
            out.append((t["tid"], s, e, t["name"], "compute"))
            continue
        out.append((t["tid"], s, e, t["name"], "wait"))
        for p in phases.get(t["tid"], []):
            if t["ts"] <= p["ts"] <= t["ts"] + t["dur"]:
                out.append((t["tid"], p["ts"] / 1e6,
                            (p["ts"] + p["dur"]) / 1e6, t["name"],
                            "compute"))
    return out


def timeline_chart(title, subtitle, panels, names):
    """PANELS: [(label, wall_s, workers, spans)], each span (tid, start_s,
    end_s, name) or with a fifth field, kind: "wait" (drawn pale) or
    "compute" (solid, the default; trace_spans makes them); each input
    keeps one colour (by its index in NAMES) in every panel."""
    W, L, R, T, lane = 860, 130, 20, 60, 13
    tmax = max(p[1] for p in panels) or 1
    pw = W - L - R
    heights = [max(p[2], 1) * lane + 26 for p in panels]
    H = T + sum(heights) + 50

    def X(t):
        return L + pw * t / tmax
    body = [_text(W / 2, 24, title, 16, "middle", "bold"),
            _text(W / 2, 43, subtitle, 11, "middle", color="#555")]
    y = T
    for (label, wall, workers, spans), h in zip(panels, heights):
        body.append(_text(L - 8, y + 14, label, 12, "end", "bold"))
        body.append(_text(L - 8, y + 28, f"{wall:.2f} s", 10, "end",
                          color="#555"))
        rows = max(workers, 1)
        body.append(_rect(L, y + 4, pw, rows * lane, "#f4f4f4"))
        for tid, s, e, name, *kind in spans:
            i = names.index(name) if name in names else 0
            hue = (i * 137.508) % 360
            wait = kind == ["wait"]
            body.append(_rect(X(s), y + 4 + (tid % rows) * lane + 1,
                              X(e) - X(s), lane - 2,
                              f"hsl({hue:.0f},65%,{45 + 10 * (i % 3)}%)",
                              f"{name}: {'waiting' if wait else 'computing'}"
                              f" {s:.3f}-{e:.3f} s, worker {tid}",
                              0.25 if wait else 1.0))
        if rows <= 16:
            for r in range(rows):
                body.append(_text(L + 3, y + 4 + r * lane + lane - 3,
                                  f"w{r}", 8, color="#fff"))
        y += h
    step = nice_max(tmax / 6)
    for i in range(int(tmax / step) + 1):
        t = step * i
        body += [_line(X(t), T, X(t), y, "#ddd", 1, "2,3"),
                 _text(X(t), y + 14, f"{t:g}", 10, "middle")]
    body.append(_text(L + pw / 2, y + 34, "seconds since the batch started;"
                      " rows: workers (coop: images in flight); one colour"
                      " per image: pale waiting, solid computing", 11,
                      "middle"))
    return _doc(W, H, body)


def lag_hist_chart(title, subtitle, le, panels):
    """One histogram per panel over the same buckets (upper bounds LE, ms,
    plus one above the last); PANELS: [(label, counts, note)].  Bars are
    the share of ticks in each bucket, so runs of different length compare."""
    W, L, R, T, ph, gap = 860, 250, 30, 60, 110, 34
    H = T + len(panels) * (ph + gap) + 50
    nb = len(le) + 1
    pw = W - L - R
    bw = pw / nb
    labels = [f"≤{v:g}" for v in le] + [f">{le[-1]:g}"]
    body = [_text(W / 2, 24, title, 16, "middle", "bold"),
            _text(W / 2, 43, subtitle, 11, "middle", color="#555")]
    colors = ["#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"]
    y = T
    for k, (label, counts, note) in enumerate(panels):
        total = sum(counts) or 1
        body += [_text(L - 44, y + ph / 2 - 4, label, 12, "end", "bold"),
                 _text(L - 44, y + ph / 2 + 12, note, 10, "end",
                       color="#555")]
        for f in (0, 0.5, 1):
            body += [_line(L, y + ph * (1 - f), L + pw, y + ph * (1 - f),
                           "#e5e5e5"),
                     _text(L - 4, y + ph * (1 - f) + 4, f"{f:.0%}", 9, "end",
                           color="#777")]
        for i, c in enumerate(counts):
            if not c:
                continue
            h = ph * c / total
            x = L + i * bw
            body += [_rect(x + 2, y + ph - h, bw - 4, h,
                           colors[k % len(colors)],
                           f"{label}: {c} ticks {labels[i]} ms"),
                     _text(x + bw / 2, y + ph - h - 3, c, 9, "middle",
                           color="#444")]
        body.append(_line(L, y + ph, L + pw, y + ph))
        for i, s in enumerate(labels):
            body.append(_text(L + i * bw + bw / 2, y + ph + 13, s, 9,
                              "middle", color="#444"))
        y += ph + gap
    body += [_text(L + pw / 2, H - 28, "heartbeat lateness, ms (buckets by "
                   "upper bound)", 12, "middle"),
             _text(L + pw / 2, H - 12, "bar height: share of the ticks; "
                   "label: tick count, summed over the measured rounds", 10,
                   "middle", color="#777")]
    return _doc(W, H, body)
