"""Turn `tools/compare.py` output into the table of docs/policy-effects.md, and list the cells
that moved against an earlier version of that table.

Usage: python tools/effects_table.py COMPARE_LOG [OLD_POLICY_EFFECTS_MD]

Prints the markdown table (same columns and units as docs/policy-effects.md) and, given the old
page, every cell whose new mean lies outside the old 95% interval or whose old mean lies
outside the new one: "moved by more than its interval".
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

# (KPI key, column title, scale, unit suffix, as a share of the baseline mean?)
COLUMNS = [("revenue_total", "revenue", 100, "%", True),
           ("gross_margin", "gross margin (pp)", 100, "", False),
           ("attrition_rate_annual", "attrition (pp/yr)", 100, "", False),
           ("top_quintile_attrition_rate", "top-quintile attrition (pp/yr)", 100, "", False),
           ("revenue_lost_to_departures", "revenue lost to departures", 100, "%", True),
           ("leverage_events", "leverage events", 100, "%", True),
           ("manager_overload_share", "manager overload (pp)", 100, "", False),
           ("mean_stress", "stress (index)", 1, "", False),
           ("mean_dependency", "dependency (index)", 1, "", False)]
LINE = re.compile(r"^\s+([* ])\s+(\w+)\s+([-+0-9.e]+) \[([-+0-9.e]+), ([-+0-9.e]+)\].*\(([-0-9.e]+)\)$")
CELL = re.compile(r"\*{0,2}([-+0-9.]+)%? \(([-+0-9.]+)%?…([-+0-9.]+)%?\)\*{0,2}")


def parse_log(text: str) -> tuple[dict, dict]:
    rows, base, name = {}, {}, None
    for line in text.splitlines():
        if line.startswith("== "):
            name = Path(line.split()[1]).stem
            rows[name] = {}
            continue
        m = LINE.match(line)
        if m and name:
            star, key, mean, lo, hi, bm = m.groups()
            rows[name][key] = (float(mean), float(lo), float(hi), star == "*")
            base[key] = float(bm)
    return rows, base


def cell(v, bm, scale, unit, share):
    mean, lo, hi, sig = v
    if share:
        mean, lo, hi = (100 * x / bm if bm else 0.0 for x in (mean, lo, hi))
        txt = f"{mean:+.0f}% ({lo:+.0f}%…{hi:+.0f}%)"
    elif scale == 1:
        txt = f"{mean:+.3f} ({lo:+.3f}…{hi:+.3f})"
    else:
        txt = f"{mean * scale:+.1f} ({lo * scale:+.1f}…{hi * scale:+.1f})"
    return f"**{txt}**" if sig else txt


def table(rows, base) -> tuple[str, dict]:
    out = ["| scenario | " + " | ".join(c[1] for c in COLUMNS) + " |",
           "| --- |" + " --- |" * len(COLUMNS)]
    cells = {}
    for name in sorted(rows):
        cs = [cell(rows[name][k], base[k], s, u, sh) for k, _, s, u, sh in COLUMNS]
        cells[name] = cs
        out.append(f"| `{name}` | " + " | ".join(cs) + " |")
    return "\n".join(out), cells


def numbers(txt: str):
    m = CELL.search(txt)
    return tuple(float(x) for x in m.groups()) if m else None


def old_cells(md: str) -> dict:
    out = {}
    for line in md.splitlines():
        if line.startswith("| `"):
            parts = [p.strip() for p in line.strip("|").split("|")]
            out[parts[0].strip("`")] = parts[1:]
    return out


def main(argv):
    rows, base = parse_log(Path(argv[0]).read_text())
    md, cells = table(rows, base)
    print(md)
    if len(argv) > 1:
        old = old_cells(Path(argv[1]).read_text())
        print("\nMoved by more than its interval (old -> new):")
        for name, cs in cells.items():
            for (key, title, *_), new_txt, old_txt in zip(COLUMNS, cs, old.get(name, [])):
                a, b = numbers(old_txt), numbers(new_txt)
                if a and b and not (a[1] <= b[0] <= a[2] or b[1] <= a[0] <= b[2]):
                    print(f"- `{name}`, {title}: {old_txt} -> {new_txt}")


if __name__ == "__main__":
    if not sys.argv[1:]:
        sys.exit(__doc__)
    main(sys.argv[1:])
