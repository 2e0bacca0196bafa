"""The model card's few-shot curves as a plain SVG file (no plotting library: CI and a fresh clone have none).

One panel per task family, accuracy (0-100%) against shots, a line per series; dashed series are ablations.
"""
from xml.sax.saxutils import escape

W, H = 330, 250
M = {"l": 42, "r": 10, "t": 26, "b": 58}
COLOURS = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#db2777", "#0891b2", "#78716c")


def _panel(x0, title, xlabels, series, chance=None):
    pw, ph = W - M["l"] - M["r"], H - M["t"] - M["b"]
    X = lambda i: x0 + M["l"] + (pw * i / max(1, len(xlabels) - 1))
    Y = lambda v: M["t"] + ph * (1 - v)
    out = ['<text x="%.1f" y="16" font-size="12" font-weight="600">%s</text>' % (x0 + M["l"], escape(title))]
    for v in (0, 0.25, 0.5, 0.75, 1.0):
        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#e7e5e4"/>' % (X(0), X(len(xlabels) - 1), Y(v), Y(v)))
        out.append('<text x="%.1f" y="%.1f" font-size="10" text-anchor="end">%d%%</text>' % (X(0) - 5, Y(v) + 3, v * 100))
    for i, lab in enumerate(xlabels):
        out.append('<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>' % (X(i), Y(0) + 13, escape(lab)))
    if chance is not None:
        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#a8a29e" stroke-dasharray="2 3"/>' % (
            X(0), X(len(xlabels) - 1), Y(chance), Y(chance)))
    for j, (label, ys, dashed) in enumerate(series):
        col = COLOURS[j % len(COLOURS)]
        pts = [(X(i), Y(v)) for i, v in enumerate(ys) if v is not None]
        if pts:
            out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (
                col, ' stroke-dasharray="5 4" opacity="0.7"' if dashed else "", " ".join("%.1f,%.1f" % p for p in pts)))
            out += ['<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (x, y, col) for x, y in pts]
        lx, ly = x0 + M["l"] + (j % 2) * 140, Y(0) + 28 + (j // 2) * 13
        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="2"%s/>' % (
            lx, lx + 16, ly - 3, ly - 3, col, ' stroke-dasharray="4 3"' if dashed else ""))
        out.append('<text x="%.1f" y="%.1f" font-size="10">%s</text>' % (lx + 20, ly, escape(label)))
    return out


def curve_svg(table):
    """eval.json's table -> an SVG: N-way classification (rank accuracy per shots per class, then 16/32 images) and,
    when measured, the open-ended tasks with the task given only by the demonstrations (exact match per shots)."""
    fs = table["fewshot"]
    panels = []
    for n in (2, 5):
        cols = ["%d-shot" % s for s in (0, 1, 2, 4, 8)] + ["16 images", "32 images"]
        cols = [c for c in cols if "%d-way %s" % (n, c) in fs]
        if not cols:
            continue
        labels = [c.replace("-shot", "").replace(" images", " img") for c in cols]
        series = [(name, [fs["%d-way %s" % (n, c)][var]["rank"]["acc"] for c in cols], var != "main")
                  for var, name in (("main", "model"), ("gates_0", "gates at 0"), ("no_mask", "no masking"))]
        panels.append(("%d-way novel labels (shots per class)" % n, labels, series, 1.0 / n))
    od = (table.get("open_ended") or {}).get("from_demos", {}).get("tasks")
    if od:
        shots = table["open_ended"]["shots"]
        series = [(task, [tr["main"][str(k)]["exact"]["mean"] for k in shots], False) for task, tr in od.items()]
        panels.append(("open-ended, task from demos only", [str(k) for k in shots], series, None))
    body = []
    for i, (title, labels, series, chance) in enumerate(panels):
        body += _panel(i * W, title, labels, series, chance)
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
            'font-family="system-ui, sans-serif" fill="#1c1917">\n<rect width="100%%" height="100%%" fill="white"/>\n%s\n</svg>\n'
            % (W * len(panels), H, W * len(panels), H, "\n".join(body)))


def write_curve_svg(table, path):
    with open(path, "w") as f:
        f.write(curve_svg(table))
