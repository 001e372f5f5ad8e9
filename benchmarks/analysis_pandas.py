#!/usr/bin/env python3
"""The pandas baseline for `fieldwork bench analyze`: the same stratified estimates as
`fieldwork analyze` with the default plan, computed from a csv-wide export.

    python3 benchmarks/analysis_pandas.py DEFINITION.json FRAME.csv WIDE.csv OUT_DIR

Written as an analyst fluent in pandas would: read the CSV once, then vectorised group-bys
per stratum feeding the closed-form linearisation variance of a domain mean under stratified
sampling with fpc and weights N_h/n_h (docs/analysis-methods.md), logit intervals on
degf = n - strata, normal intervals for means, the Rao-Scott F test per categorical question,
per-stratum quartiles, Cronbach's alpha, and primary suppression. Writes estimates.csv and
tests.csv with the same columns as fieldwork's.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

THRESHOLD = 10
LEVEL = 0.95
NOT_SHOWN = ".n"


def main(definition_path, frame_path, wide_path, out_dir):
    definition = json.loads(Path(definition_path).read_text())
    frame = pd.read_csv(frame_path)
    population = dict(zip(frame["stratum"], frame["population"].astype(float)))
    questions = [q for page in definition["pages"] for q in page["questions"]]
    stratum_question = definition["stratification"]["question"]
    sensitive_text = {q["id"] for q in questions if q["type"] == "text"}

    data = pd.read_csv(
        wide_path,
        dtype=str,
        keep_default_na=False,
        usecols=lambda c: c not in sensitive_text,
    )
    data = data.replace(NOT_SHOWN, "")
    strata_order = [
        o["code"]
        for q in questions
        if q["id"] == stratum_question
        for o in q["options"]
        if o["code"] in set(data["stratum"])
    ]
    sampled = data.groupby("stratum").size().reindex(strata_order).astype(float)
    pop = pd.Series(population).reindex(strata_order).astype(float)
    weight = pop / sampled
    design = Design(strata_order, pop, sampled, weight)

    rows, tests = [], []
    for q in questions:
        qid, kind = q["id"], q["type"]
        if qid == stratum_question or kind == "text":
            continue
        if kind == "single_choice":
            codes = [o["code"] for o in q["options"]]
            answers = data[qid]
            rows += proportions(design, data, qid, answers, codes, codes)
            tests.append(rao_scott(design, data, qid, answers, codes))
        elif kind == "likert":
            likert(design, data, qid, data[qid], q, rows, tests)
        elif kind == "likert_grid":
            scale = [o["code"] for o in q["scale"]]
            score_columns = []
            for item in q["items"]:
                column = f"{qid}__{item['id']}"
                variable = f"{qid}.{item['id']}"
                likert(design, data, variable, data[column], q, rows, tests)
                score_columns.append(scores(data[column], scale))
            item_scores = pd.concat(score_columns, axis=1)
            scale_score = item_scores.mean(axis=1, skipna=True)
            rows += numeric_mean(design, data, qid, "_scale_mean", scale_score)
            for stratum in strata_order:
                complete = item_scores[(data["stratum"] == stratum).to_numpy()].dropna()
                tests.append(cronbach(qid, stratum, complete.to_numpy()))
        elif kind == "multi_choice":
            for option in q["options"]:
                column = pd.to_numeric(data[f"{qid}__{option['code']}"], errors="coerce")
                share = numeric_mean(design, data, qid, option["code"], column)
                for row in share:
                    if row["estimate"] is not None:
                        ci = proportion_interval(row["estimate"], row["se"], row["_df"], row["effective_n"], row["_census"])
                        row["ci_low"], row["ci_high"] = ci
                rows += share
        elif kind == "number":
            values = pd.to_numeric(data[qid], errors="coerce")
            rows += numeric_mean(design, data, qid, "_mean", values)
            frame_q = pd.DataFrame({"stratum": data["stratum"], "v": values}).dropna()
            for stratum, group in frame_q.groupby("stratum", sort=False):
                ordered = np.sort(group["v"].to_numpy())
                for option, p in (("_q1", 0.25), ("_median", 0.5), ("_q3", 0.75)):
                    index = max(int(np.ceil(p * len(ordered) - 1e-9)), 1)
                    rows.append(blank(qid, option, stratum, len(ordered), ordered[index - 1]))
    for row in rows:
        if row["n"] < THRESHOLD and row["estimate"] is not None:
            row.update(estimate=None, se=None, ci_low=None, ci_high=None, deff=None,
                       effective_n=None, suppressed=True, reason="base below threshold")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    columns = ["question_id", "option", "stratum", "n", "estimate", "se", "ci_low",
               "ci_high", "deff", "effective_n", "suppressed", "reason"]
    pd.DataFrame(rows)[columns].to_csv(out / "estimates.csv", index=False)
    pd.DataFrame(tests).to_csv(out / "tests.csv", index=False)


class Design:
    def __init__(self, strata, population, sampled, weight):
        self.strata, self.population, self.sampled, self.weight = strata, population, sampled, weight


def domain(design, members, m, sums, cross):
    """Domain means and covariance from per-stratum domain counts m, sums (strata x k) and
    cross-products (strata x k x k), as fieldwork's design.rs."""
    m = m.reindex(members).fillna(0.0).to_numpy()
    sums = sums.reindex(members).fillna(0.0).to_numpy()
    cross = np.stack([cross.get(h, np.zeros((sums.shape[1],) * 2)) for h in members])
    w = design.weight.reindex(members).to_numpy()
    big_n = design.population.reindex(members).to_numpy()
    n_h = design.sampled.reindex(members).to_numpy()
    weighted_n = (w * m).sum()
    n = m.sum()
    if weighted_n <= 0 or n <= 0:
        return None
    mean = (w[:, None] * sums).sum(axis=0) / weighted_n
    a = w / weighted_n
    total = a[:, None] * (sums - m[:, None] * mean[None, :])
    products = (a ** 2)[:, None, None] * (
        cross - mean[None, None, :] * sums[:, :, None] - mean[None, :, None] * sums[:, None, :]
        + m[:, None, None] * np.outer(mean, mean)[None, :, :])
    f = n_h / big_n
    use = (m > 0) & (n_h >= 2)
    scale = np.where(use, np.clip(1 - f, 0, None) * n_h / np.where(n_h > 1, n_h - 1, 1), 0.0)
    cov = (scale[:, None, None] * (products - total[:, :, None] * total[:, None, :] / n_h[:, None, None])).sum(axis=0)
    diag = np.array([cross[:, v, v] for v in range(len(mean))]).T
    squares = (w[:, None] * (diag - 2 * mean[None, :] * sums + m[:, None] * mean[None, :] ** 2)).sum(axis=0)
    population_var = n / (n - 1) * squares / weighted_n if n > 1 else np.zeros(len(mean))
    return {
        "mean": mean, "cov": cov, "n": n, "weighted_n": weighted_n,
        "weight_sq": (w ** 2 * m).sum(), "df": n - (m > 0).sum(),
        "census": bool(np.all(f[m > 0] >= 1)), "population_var": population_var,
    }


def effective_n(est):
    return est["weighted_n"] ** 2 / est["weight_sq"] if est["weight_sq"] > 0 else 0.0


def deff(est, v):
    n, big_n = est["n"], est["weighted_n"]
    srs = est["population_var"][v] * (big_n - n) / (big_n * n)
    return est["cov"][v][v] / srs if srs > 0 and n > 1 else None


def t_quantile(df):
    p = 1 - (1 - LEVEL) / 2
    return stats.t.ppf(p, df) if np.isfinite(df) and df >= 1 else stats.norm.ppf(p)


def wilson(p, n, q):
    if n <= 0:
        return (0.0, 1.0)
    q2 = q * q
    centre = (p + q2 / (2 * n)) / (1 + q2 / n)
    half = q / (1 + q2 / n) * np.sqrt(p * (1 - p) / n + q2 / (4 * n * n))
    return (max(centre - half, 0.0), min(centre + half, 1.0))


def proportion_interval(p, se, df, eff_n, census):
    if census:
        return (p, p)
    q = t_quantile(df)
    if p <= 0 or p >= 1 or se <= 0:
        return wilson(p, eff_n, q)
    logit, half = np.log(p / (1 - p)), q * se / (p * (1 - p))
    return (1 / (1 + np.exp(-(logit - half))), 1 / (1 + np.exp(-(logit + half))))


def blank(question, option, stratum, n, estimate=None):
    return {"question_id": question, "option": option, "stratum": stratum, "n": int(n),
            "estimate": estimate, "se": None, "ci_low": None, "ci_high": None, "deff": None,
            "effective_n": None, "suppressed": False, "reason": ""}


def row_strata(design):
    return [("all", design.strata)] + [(h, [h]) for h in design.strata]


def estimate_row(question, option, label, est, v, proportion):
    se = float(np.sqrt(max(est["cov"][v][v], 0.0)))
    p = float(est["mean"][v])
    eff = effective_n(est)
    if proportion:
        low, high = proportion_interval(p, se, est["df"], eff, est["census"])
    elif est["census"]:
        low, high = p, p
    else:
        z = stats.norm.ppf(1 - (1 - LEVEL) / 2)
        low, high = p - z * se, p + z * se
    row = blank(question, option, label, est["n"], p)
    row.update(se=se, ci_low=low, ci_high=high, deff=deff(est, v), effective_n=eff,
               _df=est["df"], _census=est["census"])
    return row


def counts_by_stratum(data, answers, codes):
    table = pd.crosstab(data["stratum"], answers)
    return table.reindex(columns=codes, fill_value=0).astype(float)


def proportions(design, data, question, answers, options, base):
    table = counts_by_stratum(data, answers, list(dict.fromkeys(options + base)))
    m = table[base].sum(axis=1)
    rows = []
    for option in options:
        k = table[option] if option in base else table[option] * 0
        sums = k.to_frame()
        cross = {h: np.array([[k.get(h, 0.0)]]) for h in k.index}
        for label, members in row_strata(design):
            est = domain(design, members, m, sums, cross)
            rows.append(estimate_row(question, option, label, est, 0, True) if est else blank(question, option, label, 0))
    return rows


def scores(answers, scale):
    return answers.map({code: i + 1.0 for i, code in enumerate(scale)})


def numeric_mean(design, data, question, option, values):
    frame = pd.DataFrame({"stratum": data["stratum"], "v": values}).dropna()
    grouped = frame.groupby("stratum")["v"]
    m = grouped.size().astype(float)
    sums = grouped.sum().to_frame()
    cross = {h: np.array([[s]]) for h, s in (frame["v"] ** 2).groupby(frame["stratum"]).sum().items()}
    rows = []
    for label, members in row_strata(design):
        est = domain(design, members, m, sums, cross)
        rows.append(estimate_row(question, option, label, est, 0, False) if est else blank(question, option, label, 0))
    return rows


def likert(design, data, variable, answers, q, rows, tests):
    scale = [o["code"] for o in q["scale"]]
    non_substantive = [o["code"] for o in q.get("non_substantive", [])]
    rows += proportions(design, data, variable, answers, scale, scale)
    table = counts_by_stratum(data, answers, scale + non_substantive)
    m = table[scale].sum(axis=1)
    top, bottom = scale[-2:], scale[:2]
    positive, negative = table[top].sum(axis=1), table[bottom].sum(axis=1)
    both = table[[c for c in top if c in bottom]].sum(axis=1)
    sums = pd.DataFrame({"p": positive, "n": negative})
    cross = {h: np.array([[positive[h], both[h]], [both[h], negative[h]]]) for h in table.index}
    score = scores(answers, scale)
    means = {r["stratum"]: r for r in numeric_mean(design, data, variable, "_mean", score)}
    for label, members in row_strata(design):
        est = domain(design, members, m, sums, cross)
        if est is None:
            rows += [blank(variable, o, label, 0) for o in ("_positive", "_negative", "_net", "_mean")]
            continue
        rows.append(estimate_row(variable, "_positive", label, est, 0, True))
        rows.append(estimate_row(variable, "_negative", label, est, 1, True))
        net = est["mean"][0] - est["mean"][1]
        se = float(np.sqrt(max(est["cov"][0][0] + est["cov"][1][1] - 2 * est["cov"][0][1], 0.0)))
        z = 0.0 if est["census"] else stats.norm.ppf(1 - (1 - LEVEL) / 2)
        row = blank(variable, "_net", label, est["n"], float(net))
        row.update(se=se, ci_low=max(net - z * se, -1.0), ci_high=min(net + z * se, 1.0), effective_n=effective_n(est))
        rows.append(row)
        rows.append(means[label])
    if non_substantive:
        rows += proportions(design, data, variable, answers, non_substantive, scale + non_substantive)
    tests.append(rao_scott(design, data, variable, answers, scale))


def rao_scott(design, data, question, answers, codes):
    """svychisq's default F test, as fieldwork's chisq.rs (Rao & Scott 1984)."""
    table = counts_by_stratum(data, answers, codes)
    table = table.loc[table.sum(axis=1) > 0, table.sum(axis=0) > 0]
    nr, nc = table.shape
    result = {"question_id": question, "test": "rao_scott_f", "stratum": "all",
              "n": int(table.to_numpy().sum()), "statistic": None, "ndf": None, "ddf": None, "p_value": None}
    if nr < 2 or nc < 2:
        return result
    cells = nr * nc
    members = list(table.index)
    sums = pd.DataFrame(0.0, index=members, columns=range(cells))
    cross = {}
    for r, h in enumerate(members):
        for c in range(nc):
            sums.loc[h, r + nr * c] = table.iloc[r, c]
        cross[h] = np.diag(sums.loc[h].to_numpy())
    est = domain(design, members, table.sum(axis=1), sums, cross)
    n, nu, p = est["n"], est["df"], est["mean"]
    observed = (p * n).reshape(nc, nr).T
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    pearson = float(((observed - expected) ** 2 / np.where(expected > 0, expected, 1)).sum())
    r_index, c_index = np.arange(cells) % nr, np.arange(cells) // nr
    x1 = np.column_stack([np.ones(cells)] + [(r_index == j) * 1.0 for j in range(1, nr)]
                         + [(c_index == j) * 1.0 for j in range(1, nc)])
    x12 = np.column_stack([((r_index == jr) & (c_index == jc)) * 1.0
                           for jc in range(1, nc) for jr in range(1, nr)])
    cmat = x12 - x1 @ np.linalg.solve(x1.T @ x1, x1.T @ x12)
    inverse_p = np.diag(np.where(p != 0, 1 / np.where(p != 0, p, 1), 0))
    denom = cmat.T @ (inverse_p / n) @ cmat
    numerator = cmat.T @ inverse_p @ est["cov"] @ inverse_p @ cmat
    delta = np.linalg.solve(denom, numerator)
    trace, trace_sq = np.trace(delta), np.trace(delta @ delta)
    ndf = trace ** 2 / trace_sq
    statistic = pearson / trace
    result.update(statistic=statistic, ndf=ndf, ddf=ndf * nu,
                  p_value=float(stats.f.sf(statistic, ndf, ndf * nu)))
    return result


def cronbach(question, stratum, items):
    alpha = None
    if items.shape[0] >= 2 and items.shape[1] >= 2:
        k = items.shape[1]
        total = items.sum(axis=1).var(ddof=1)
        if total > 0:
            alpha = k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / total)
    return {"question_id": question, "test": "cronbach_alpha", "stratum": stratum,
            "n": int(items.shape[0]), "statistic": alpha, "ndf": None, "ddf": None, "p_value": None}


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
    if os.environ.get("FIELDWORK_REPORT_PEAK"):
        # VmHWM, this process's own peak: ru_maxrss would carry over the parent's peak from
        # before the exec (Linux keeps it across fork and exec).
        with open("/proc/self/status") as status:
            peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        print(f"peak_kib={peak}", file=sys.stderr)
