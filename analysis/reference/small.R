# Reference values from the R `survey` package for the fieldwork-analysis tests.
#
# Run from anywhere:
#   Rscript analysis/reference/small.R
# Reads  fixtures/analysis/small.csv and fixtures/analysis/small-frame.csv
# Writes crates/fieldwork-analysis/tests/it/reference.json
#
#   Rscript analysis/reference/small.R raked
# does the same on the design raked to the stratum frame and to the role margin in
# fixtures/analysis/small-roles.csv (rake() with its default control), and writes
# crates/fieldwork-analysis/tests/it/reference-raked.json
#
# Every entry carries, in its "r" field, the exact R expression(s) that were
# evaluated to produce its numbers: the expressions are built as strings and
# run with eval(parse(text = ...)), so the text and the value cannot drift apart.
# Numbers are written with sprintf("%.17g") (17 significant digits, round-trip
# exact for doubles); NA / NaN / Inf are written as null.

suppressMessages({
  library(survey)
  library(jsonlite)
})
options(warn = 1, survey.lonely.psu = "fail")

args <- commandArgs(trailingOnly = FALSE)
script <- sub("^--file=", "", args[grep("^--file=", args)])
root <- if (length(script)) normalizePath(file.path(dirname(script), "..", "..")) else getwd()

dat <- read.csv(file.path(root, "fixtures/analysis/small.csv"),
                na.strings = "", stringsAsFactors = FALSE)
frame <- read.csv(file.path(root, "fixtures/analysis/small-frame.csv"),
                  na.strings = "", stringsAsFactors = FALSE)
dat$N <- frame$population[match(dat$stratum, frame$stratum)]
stopifnot(!anyNA(dat$N))
# Likert: "1".."5" substantive (as a number), "dont_know" non-substantive, NA not answered.
dat$ls <- suppressWarnings(as.numeric(ifelse(dat$l %in% as.character(1:5), dat$l, NA)))
dat$ls_is_substantive <- !is.na(dat$ls)

raked <- "raked" %in% commandArgs(trailingOnly = TRUE)
design_expr <- "d <- svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = dat)"
if (raked) {
  roles <- read.csv(file.path(root, "fixtures/analysis/small-roles.csv"), stringsAsFactors = FALSE)
  design_expr <- paste(
    design_expr, ";",
    "roles <- read.csv(\"fixtures/analysis/small-roles.csv\");",
    "d <- rake(d, list(~stratum, ~role),",
    "list(data.frame(stratum = frame$stratum, Freq = frame$population),",
    "data.frame(role = roles$role, Freq = roles$population)))")
}
eval(parse(text = design_expr))

strata <- sort(unique(dat$stratum))
options_q <- c("yes", "no", "dont_know")

ev <- function(s) eval(parse(text = s), envir = globalenv())
q1 <- function(s) paste0('"', s, '"')     # R string literal
nn <- function(x) unname(as.numeric(x))

entries <- list()
add <- function(...) entries[[length(entries) + 1]] <<- list(...)

# ---- meta -------------------------------------------------------------------
add(name = "meta",
    r = paste('packageVersion("survey"); R.version.string; packageVersion("jsonlite");',
              'degf(d); degf(subset(d, !is.na(q))); nrow(dat)'),
    survey_version = as.character(packageVersion("survey")),
    r_version = R.version.string,
    jsonlite_version = as.character(packageVersion("jsonlite")),
    degf = degf(d),
    degf_q_answered = degf(subset(d, !is.na(q))),
    n = nrow(dat),
    data_prep = paste(
      'dat <- read.csv("fixtures/analysis/small.csv", na.strings = "", stringsAsFactors = FALSE);',
      'frame <- read.csv("fixtures/analysis/small-frame.csv", na.strings = "", stringsAsFactors = FALSE);',
      'dat$N <- frame$population[match(dat$stratum, frame$stratum)];',
      'dat$ls <- suppressWarnings(as.numeric(ifelse(dat$l %in% as.character(1:5), dat$l, NA)));',
      'dat$ls_is_substantive <- !is.na(dat$ls)'),
    design = design_expr,
    svyciprop_methods = eval(formals(survey:::svyciprop)$method),
    svyquantile_qrule_default = eval(formals(survey:::svyquantile.survey.design)$qrule)[1],
    notes = paste(
      "ci_low/ci_high from confint() of svymean/svyby(svymean) are normal-quantile",
      "(confint.svystat has df = Inf; the ci_t_* fields use qt with the recorded df).",
      "svyciprop(method = 'logit') CIs are expit(coef +- qt(0.975, df) * se(logit)) with",
      "df = degf(design passed to svyciprop); inside svyby this is the per-stratum",
      "sub-design, whose degf is n_h(domain) - 1 (recorded as df).",
      "svyciprop has no 'wilson' method in this version.",
      "svyciprop 'estimate' is expit(coef(svyglm)), so a degenerate 0 proportion comes",
      "out as ~2e-11 (glm non-convergence), not exactly 0."))

# ---- helpers for svymean / svyby ---------------------------------------------
# Column j of a (possibly multi-column) svymean / svyby result.
mean_entry <- function(name, expr, col, stratum = "all", df_t = NULL, df_t_expr = NULL, ...) {
  m <- ev(expr)
  ci <- confint(m)
  e <- list(name = name, r = paste0("m <- ", expr, "; coef(m); SE(m); deff(m); confint(m)"),
            stratum = stratum, ...,
            estimate = nn(coef(m)[col]), se = nn(SE(m)[col]),
            ci_low = nn(ci[col, 1]), ci_high = nn(ci[col, 2]),
            ci_method = "confint.svystat, df = Inf (normal quantile)")
  if (!is.null(attr(m, "deff"))) e$deff <- nn(deff(m))[col]
  if (!is.null(df_t)) {
    cit <- confint(m, df = df_t)
    e$r <- paste0(e$r, "; confint(m, df = ", df_t_expr, ")")
    e$df <- df_t
    e$ci_t_low <- nn(cit[col, 1]); e$ci_t_high <- nn(cit[col, 2])
  }
  entries[[length(entries) + 1]] <<- e
}

by_entries <- function(name, expr, col, ...) {
  b <- ev(expr)
  k <- attr(b, "svyby")$nstats
  cf <- matrix(coef(b), nrow = nrow(b))
  se <- matrix(as.matrix(SE(b)), nrow = nrow(b))
  ci <- confint(b)
  cil <- matrix(ci[, 1], nrow = nrow(b)); cih <- matrix(ci[, 2], nrow = nrow(b))
  de <- if (isTRUE(attr(b, "svyby")$deffs)) matrix(as.matrix(deff(b)), nrow = nrow(b)) else NULL
  for (i in seq_len(nrow(b))) {
    e <- list(name = name,
              r = paste0("b <- ", expr, "; coef(b); SE(b); deff(b); confint(b)"),
              stratum = as.character(b$stratum[i]), ...,
              estimate = cf[i, col], se = se[i, col],
              ci_low = cil[i, col], ci_high = cih[i, col],
              ci_method = "confint.svyby, df = Inf (normal quantile)")
    if (!is.null(de)) e$deff <- de[i, col]
    entries[[length(entries) + 1]] <<- e
  }
}

ciprop_entry <- function(name, expr, design_expr, stratum = "all", ...) {
  a <- ev(expr)
  df <- ev(paste0("degf(", design_expr, ")"))
  ci <- confint(a)
  add(name = name,
      r = paste0("a <- ", expr, "; coef(a); sqrt(attr(a, \"var\")); confint(a); degf(", design_expr, ")"),
      stratum = stratum, ...,
      estimate = nn(coef(a)), se = sqrt(nn(attr(a, "var"))),
      ci_low = nn(ci[1, 1]), ci_high = nn(ci[1, 2]), df = df,
      ci_method = "svyciprop logit: expit(confint.svyglm Wald with ddf = df, i.e. qt(0.975, df))")
}

by_ciprop_entries <- function(name, expr, domain_expr, ...) {
  b <- ev(expr)
  for (i in seq_len(nrow(b))) {
    s <- as.character(b$stratum[i])
    dexpr <- paste0("subset(d, ", domain_expr, " & stratum == ", q1(s), ")")
    add(name = name,
        r = paste0("b <- ", expr, "; b[, 2]; b$ci_l; b$ci_u; degf(", dexpr, ")"),
        stratum = s, ...,
        estimate = nn(b[i, 2]), ci_low = nn(b$ci_l[i]), ci_high = nn(b$ci_u[i]),
        df = ev(paste0("degf(", dexpr, ")")),
        ci_method = "svyciprop logit inside svyby: df = degf(per-stratum sub-design)")
  }
}

# ---- 1. q: proportion of each option among those who answered ----------------
for (o in options_q) {
  v <- paste0("I(q == ", q1(o), ")")
  mean_entry("q_prop", paste0("svymean(~", v, ", d, na.rm = TRUE, deff = TRUE)"),
             col = 2, option = o,
             df_t = degf(subset(d, !is.na(q))), df_t_expr = "degf(subset(d, !is.na(q)))")
  ciprop_entry("q_prop_ciprop_logit",
               paste0("svyciprop(~", v, ", subset(d, !is.na(q)), method = \"logit\", na.rm = TRUE)"),
               "subset(d, !is.na(q))", option = o)
  ciprop_entry("q_prop_ciprop_logit_narm",
               paste0("svyciprop(~", v, ", d, method = \"logit\", na.rm = TRUE)"),
               "d", option = o)
  by_entries("q_prop", paste0("svyby(~", v, ", ~stratum, subset(d, !is.na(q)), svymean, deff = TRUE, na.rm = TRUE)"),
             col = 2, option = o)
  by_ciprop_entries("q_prop_ciprop_logit",
                    paste0("svyby(~", v, ", ~stratum, subset(d, !is.na(q)), svyciprop, method = \"logit\", vartype = \"ci\", na.rm = TRUE)"),
                    "!is.na(q)", option = o)
}

# ---- 2. l: Likert, substantive answers only -----------------------------------
mean_entry("l_mean", "svymean(~ls, subset(d, ls_is_substantive), deff = TRUE, na.rm = TRUE)", col = 1,
           df_t = degf(subset(d, ls_is_substantive)), df_t_expr = "degf(subset(d, ls_is_substantive))")
by_entries("l_mean", "svyby(~ls, ~stratum, subset(d, ls_is_substantive), svymean, deff = TRUE, na.rm = TRUE)", col = 1)
mean_entry("l_pos_prop", "svymean(~I(ls >= 4), subset(d, ls_is_substantive), deff = TRUE, na.rm = TRUE)", col = 2,
           df_t = degf(subset(d, ls_is_substantive)), df_t_expr = "degf(subset(d, ls_is_substantive))")
ciprop_entry("l_pos_prop_ciprop_logit",
             "svyciprop(~I(ls >= 4), subset(d, ls_is_substantive), method = \"logit\", na.rm = TRUE)",
             "subset(d, ls_is_substantive)")
by_entries("l_pos_prop", "svyby(~I(ls >= 4), ~stratum, subset(d, ls_is_substantive), svymean, deff = TRUE, na.rm = TRUE)", col = 2)
by_ciprop_entries("l_pos_prop_ciprop_logit",
                  "svyby(~I(ls >= 4), ~stratum, subset(d, ls_is_substantive), svyciprop, method = \"logit\", vartype = \"ci\", na.rm = TRUE)",
                  "ls_is_substantive")

# ---- 3. y: numeric ------------------------------------------------------------
mean_entry("y_mean", "svymean(~y, d, na.rm = TRUE, deff = TRUE)", col = 1,
           df_t = degf(subset(d, !is.na(y))), df_t_expr = "degf(subset(d, !is.na(y)))")
by_entries("y_mean", "svyby(~y, ~stratum, subset(d, !is.na(y)), svymean, deff = TRUE, na.rm = TRUE)", col = 1)

quant_entry <- function(stratum, design_expr) {
  expr <- paste0("svyquantile(~y, ", design_expr, ", quantiles = c(0.25, 0.5, 0.75), na.rm = TRUE)")
  qq <- ev(expr)$y
  add(name = "y_quartiles",
      r = paste0("qq <- ", expr, "; qq$y; degf(", design_expr, ")"),
      stratum = stratum,
      probs = c(0.25, 0.5, 0.75),
      quantiles = nn(qq[, "quantile"]),
      ci_low = nn(qq[, 2]), ci_high = nn(qq[, 3]), se = nn(qq[, "se"]),
      df = ev(paste0("degf(", design_expr, ")")),
      qrule = "math", interval_type = "mean (Woodruff)")
}
quant_entry("all", "subset(d, !is.na(y))")
for (s in strata) quant_entry(s, paste0("subset(d, !is.na(y) & stratum == ", q1(s), ")"))

# ---- 4. m1, m2: 0/1 -----------------------------------------------------------
for (v in c("m1", "m2")) {
  mean_entry(paste0(v, "_prop"), paste0("svymean(~", v, ", d, deff = TRUE)"), col = 1,
             df_t = degf(d), df_t_expr = "degf(d)")
  by_entries(paste0(v, "_prop"), paste0("svyby(~", v, ", ~stratum, d, svymean, deff = TRUE, na.rm = TRUE)"), col = 1)
}

# ---- 5. Rao-Scott tests -------------------------------------------------------
chisq_entries <- function(name, args) {
  e1 <- paste0("svychisq(", args, ")")
  x <- ev(e1)
  add(name = paste0(name, "_F"), r = paste0("x <- ", e1, "; x$statistic; x$parameter; x$p.value"),
      stratum = "all", statistic_type = "F (Rao-Scott second-order, default)",
      statistic = nn(x$statistic), ndf = nn(x$parameter["ndf"]), ddf = nn(x$parameter["ddf"]),
      p_value = nn(x$p.value))
  e2 <- paste0("svychisq(", args, ", statistic = \"Chisq\")")
  x <- ev(e2)
  add(name = paste0(name, "_Chisq"), r = paste0("x <- ", e2, "; x$statistic; x$parameter; x$p.value"),
      stratum = "all",
      statistic_type = paste("Chisq: statistic is the unadjusted Pearson X^2 of svytable(..., Ntotal = n);",
                             "p_value = pchisq(X^2 / mean(eigen(Delta)), df)"),
      statistic = nn(x$statistic), df = nn(x$parameter["df"]), p_value = nn(x$p.value))
}
chisq_entries("chisq_stratum_q", "~stratum + q, subset(d, !is.na(q))")
chisq_entries("chisq_stratum_role", "~stratum + role, d")

# ---- raked weights, one per stratum x role cell --------------------------------
if (raked) {
  cells <- unique(data.frame(stratum = dat$stratum, role = dat$role, weight = weights(d)))
  cells <- cells[order(cells$stratum, cells$role), ]
  add(name = "raked_weights",
      r = "unique(data.frame(stratum = dat$stratum, role = dat$role, weight = weights(d)))",
      stratum = cells$stratum, role = cells$role, weight = cells$weight)
}

# ---- write --------------------------------------------------------------------
num_json <- function(x) {
  s <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  if (length(x) == 1) s else paste0("[", paste(s, collapse = ","), "]")
}
verbatim <- function(e) lapply(e, function(v) {
  if (is.numeric(v)) structure(num_json(v), class = "json") else v
})
out <- lapply(entries, verbatim)
path <- file.path(root, "crates/fieldwork-analysis/tests/it",
                  if (raked) "reference-raked.json" else "reference.json")
dir.create(dirname(path), recursive = TRUE, showWarnings = FALSE)
writeLines(toJSON(out, auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE), path)
cat("wrote", length(entries), "entries to", path, "\n")
