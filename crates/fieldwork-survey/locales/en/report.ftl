# The findings report's own words (fieldwork report), in English.
#
# The survey's own words (its title, questions and answers) come from the definition; these are
# the report's: headings, table headers, notes, the methodology, the sentences of the key
# findings and the words on the charts. Every id starts with `report-`, apart from the other
# catalogue's ids. Figures are passed in already written ("46%", "1,234"), so no message
# formats a number.

## The language itself

# The `lang` of the report's pages: British English.
report-html-lang = en-GB

## Every page

report-skip = Skip to main content
report-nav = Report
report-key-findings = Key findings
report-results = Results by question
report-methodology = Methodology
report-data = Data
report-footer = Made with fieldwork. Figures are design-based estimates weighted to the population frame; cells resting on too few responses are suppressed. See the
report-footer-link = methodology

## The front page

report-index-title = { $title }: findings
report-no-findings = There are no findings to report yet: every estimate is suppressed or there are no responses.
report-details = Details
report-details-of = of the results for ‘{ $question }’
report-findings-rounding = Percentages are rounded to whole numbers, and so are their 95% confidence intervals (CI). Only published (not suppressed) estimates are quoted.
report-who-responded = Who responded
report-pledges = Pledges
report-pledges-intro = What people who took part pledged to do, in their own words, where they chose to publish it:
report-pledges-link = read the pledges
report-methodology-intro = How the survey was designed, weighted and protected, with the population frame and the response counts:
report-methodology-link = read the methodology
report-download-estimates-csv = Every estimate (CSV)
report-download-estimates-json = Every estimate (JSON)
report-download-tests = Tests of association and reliability (CSV)
report-download-rates = Responses and response rates (CSV)
report-downloads-note = Every chart and table also links the CSV behind it.
report-summary = What { $count } people who completed { $title } told us. Each figure is weighted to the population of its group, with a { $level } confidence interval; figures resting on fewer than { $threshold } responses are withheld, so that no one who took part can be identified.
report-summary-groups = What { $count } people who completed { $title } across { $groups } and { $last } told us. Each figure is weighted to the population of its group, with a { $level } confidence interval; figures resting on fewer than { $threshold } responses are withheld, so that no one who took part can be identified.

## What the report says about the survey (front page and methodology)

report-fact-survey = Survey
report-fact-survey-value = { $title } ({ $slug }), version { $version }
report-fact-responses = Responses
report-fact-responses-value = { $complete } complete ({ $share }), { $partial } partial (not analysed)
report-fact-share-of-population = { $share } of a population of { $population }
report-fact-no-frame = no population frame
report-fact-fieldwork = Fieldwork
report-fact-submitted = Responses submitted
report-fact-submitted-value = { $first } to { $last }
report-fact-none-yet = none yet
report-fact-plan = Analysis plan (SHA-256)
report-fact-default-plan = the default plan (every question but free text)
report-fact-generated = Report generated
report-fact-generated-value = { $date } { $time } UTC by fieldwork { $version }

## A question's page

report-charts = Charts
report-estimates = Estimates
report-tests = Tests
report-pager = Questions
report-previous = Previous: { $question }
report-next = Next: { $question }
report-base = Base: { $count } responses in all strata.

## Figures and tables

report-download = Download:
report-data-csv = data (CSV)
report-show-table = Show the data in this chart as a table
report-chart-data-caption = Data for the chart: { $title }
report-estimates-caption = Estimates: { $question }
report-estimates-item-caption = Estimates: "{ $item }"
report-estimates-scale-caption = Estimates: mean scale score over the statements
report-header-group = Group
report-header-answer = Answer
report-header-estimate = Estimate
report-header-ci = 95% CI
report-header-base = Base n
report-header-deff = Design effect
report-header-note = Note
report-header-stratum = Stratum
report-header-population = Population (frame)
report-header-invited = Invited
report-header-complete = Complete
report-header-partial = Partial
report-header-rate-population = Complete / population
report-header-rate-invited = Complete / invited
report-header-frame-source = Source of the population figure
report-rates-caption = Responses and response rates by stratum
report-frame-caption = The population frame and the responses in each stratum
report-all-strata = All strata
report-range = { $low } to { $high }
report-suppressed = Suppressed
report-suppressed-because = Suppressed: { $reason }
report-note-unanimous = unanimous: everyone in the stratum gave this answer
# Why a figure is not shown, in a few words (after "Suppressed:").
report-reason-no-responses = no responses
report-reason-small = fewer than { $threshold } responses
report-reason-secondary = protects another group
report-reason-unanimous = everyone gave one answer
report-reason-no-answers = no answers
# What a summary row of a table measures.
report-answer-positive = Positive (top two points)
report-answer-negative = Negative (bottom two points)
report-answer-net = Net (positive − negative)
report-answer-mean = Mean
report-answer-scale-mean = Mean scale score (1 to k)
report-answer-median = Median
report-answer-q1 = Lower quartile
report-answer-q3 = Upper quartile
# A net score, in percentage points: "+12.5 pts".
report-points = { $value } pts

## Tests of association and reliability

report-test-the-answers = the answers
report-test-association = Association of { $variable } with the stratum
report-test-alpha-in = Cronbach's alpha in { $group }
report-test-suppressed = { $test }: suppressed ({ $reason }).
report-test-base-below-threshold = base below the threshold
report-test-rao-scott = Association of { $variable } with the stratum (Rao-Scott F): F = { $f } on { $ndf } and { $ddf } degrees of freedom, { $p }.
report-test-alpha = Cronbach's alpha of the statements in { $group }: { $alpha } (n = { $n }).

## The key findings

report-share-ci = { $share } (95% CI { $low }–{ $high })
report-or = or
report-finding-benchmark = Across all strata, { $share } answered "{ $option }" to "{ $question }". The benchmark is { $benchmark }: "{ $label }" ({ $source }).
report-finding-option-range = In { $high }, { $high-share } answered "{ $option }" to "{ $question }"; in { $low }, { $low-share }.
report-finding-positive = Across all strata, { $share } answered { $positive } to "{ $question }" (of those who answered on the scale).
report-finding-positive-range = In { $high }, { $high-share } answered { $positive } to "{ $question }"; in { $low }, { $low-share }.
report-finding-most-chosen = The answer chosen most often to "{ $question }" was "{ $option }": { $share } of all who answered chose it.
report-finding-grid-most = Of the statements in "{ $question }", leaders most often answered { $positive } to "{ $item }": { $share } of those who answered on the scale.
report-finding-grid-least = Of the statements in "{ $question }", leaders least often answered { $positive } to "{ $item }": { $share } of those who answered on the scale.

## Charts: titles, subtitles, notes and alternative text

# "by sector": the stratum question's id, with spaces.
report-by = by { $variable }
report-base-n = n = { $n }
report-no-responses = no responses
report-cell-suppressed = suppressed
report-cell-suppressed-because = suppressed ({ $reason })
report-source-note = Source: { $title } (survey version { $version }), { $complete } complete responses, weighted to the population frame. Figures resting on fewer than { $threshold } responses are suppressed.
report-benchmark-line = Benchmark ({ $source })
report-proportion-alt = Bar chart: share answering "{ $option }" to "{ $question }", { $by }. All strata: { $all }.
report-alt-group = { $group }: { $value }.
report-proportion-alt-benchmark = Benchmark line at { $value }: { $label } ({ $source }).
report-proportion-subtitle = Share answering "{ $option }", { $by }, with 95% confidence intervals. Base: all who answered ({ $base } in all strata).
report-proportion-subtitle-benchmark = Benchmark: { $label } ({ $source }).
report-ranked-multi = Share choosing each option (respondents could choose more than one)
report-ranked-single = Share giving each answer
report-ranked-alt = Bar charts, one per group: "{ $question }". { $what }, ranked by the all-strata share.
report-ranked-subtitle = { $what }, ranked by the share across all strata; { $by }. Base: all who answered ({ $base } in all strata). Lines show 95% confidence intervals.
report-likert-alt = Diverging bar chart: answers to "{ $question }" { $by }, as shares of answers on the scale ({ $scale }).
report-likert-alt-other = { $answer } { $share } of all answers
report-likert-subtitle = Shares of answers { $by }, centred on the middle of the scale. Base: all who answered ({ $base } in all strata).
report-likert-subtitle-other = Shares of answers on the scale { $by }, centred on the middle of the scale ({ $base } in all strata); { $other } shown apart, in grey, as a share of all answers.
report-and = and
report-heatmap-title = Share answering { $positive } to each statement, { $by }
report-heatmap-alt = Heatmap: for each statement of "{ $question }", the share answering { $positive } { $by }.
report-heatmap-subtitle = Each cell: % of those with an answer on the scale who chose { $positive }. Darker cells are lower. Base: { $base }.
report-heatmap-base = n = { $n } in all strata
report-heatmap-base-range = n = { $low } to { $high } in all strata, by statement
report-rates-title = Responses against the population frame, { $by }
report-rates-alt = Bar chart: complete responses as a share of the population frame, { $by }. In all, { $complete } of { $population }.
report-rates-alt-group = { $group }: { $complete } of { $population }{ $rate }.
report-rates-subtitle = Complete responses as a share of the population in the frame. In all, { $complete } complete responses from a population of { $population }.
report-rates-note = Source: { $title } (survey version { $version }); population frame as given in the survey definition.
# Words drawn on the charts themselves.
report-chart-estimate = Estimate
report-chart-ci = 95% confidence interval
report-chart-suppressed-not-zero = Suppressed (not zero)
report-chart-suppressed-short = supp.
report-chart-positive = % positive
report-chart-of-all-answers = { $answers } (of all answers)
report-chart-rate = { $complete } of { $population } ({ $rate })
report-chart-no-frame = { $complete } (no frame count)

## The methodology page

report-design = Design and frame
report-design-text = The survey is stratified by the answer to “{ $question }”. Each stratum's population comes from the frame below; the response rate is complete responses over that population (and over the invitations sent, where any were).
report-fieldwork = Fieldwork
report-fieldwork-text = Only complete responses are analysed, from every version of the survey, laid out by the version named above. Partial and withdrawn responses are left out, and free-text answers are never analysed or published.
report-weighting = Weighting and estimation
# The weight's formula sits between these three pieces: "… stratum h is weighted N_h / n_h, …".
report-weighting-each = Each response in stratum
report-weighting-is = is weighted
report-weighting-rest = , the stratum's population over its complete responses: post-stratification to the frame on the stratum. Estimates are design-based (stratified sampling without replacement, with the finite population correction); standard errors come from Taylor linearisation, as in the R survey package, against which every estimator is checked.
report-intervals = Intervals are { $level } confidence intervals: for proportions, { $method }; for means, the estimate plus or minus the normal quantile times the standard error. Associations with the stratum are tested with the Rao-Scott second-order corrected F test.
report-interval-logit = the logit method (as R's svyciprop does by default)
report-interval-wilson = Wilson's method with the design-based effective sample size
report-suppression = Disclosure control
report-suppression-small = No figure resting on fewer than { $threshold } responses is published: such a cell is suppressed, and it is marked “Suppressed” in every chart and table, never shown as zero.
report-suppression-secondary = Where one group of a question is suppressed and the all-strata figure is published, the next smallest group is suppressed too, so the hidden figure cannot be worked out from the others.
report-suppression-unanimous = Where everyone in a group gave the same answer, the figure is flagged
report-suppression-sensitive = , and for these sensitive questions it is suppressed:
report-benchmarks = Benchmarks
report-benchmarks-intro = Some results are set beside figures published elsewhere, cited as quoted:
report-benchmarks-caveat = These come from other surveys with other populations and questions; they are context, not a test.
report-reading = Reading the charts and tables
report-reading-rounding = Key findings and chart labels give whole percentages, rounded half away from zero, and their intervals are rounded the same way. Tables give one decimal place; the CSV files give full precision.
report-reading-bars = Bars show estimates and black lines their { $level } confidence intervals. A dashed black line marks the all-strata figure and a dashed orange line a benchmark.
report-reading-likert = Likert charts are centred on the middle of the scale: answers below it extend left, answers above it right, the middle point is split evenly across the centre. “Don't know” and similar answers are shown apart, in grey, as a share of all answers.
report-reading-colours = Colours are safe for colour-blind readers: Okabe and Ito's palette for bars and lines, ColorBrewer's red-blue scheme for Likert scales, and viridis for the heatmap. Numbers are printed on the charts, so no reading depends on colour alone.
report-reading-suppressed = A hatched box labelled “Suppressed” marks a figure that is not published.

## The pledges page

report-pledges-lead = People who took part chose to publish these pledges. A researcher read each one before it was published, and none was changed. The newest come first.
report-pledges-attribution = No pledge shows a name. Each is attributed to “a public sector leader”, or to the sector its author chose, when at least { $threshold } published pledges name that sector.
report-pledges-none = No pledges have been published yet.
report-pledges-anonymous = A public sector leader
