# The findings report's own words (fieldwork report), in Welsh (Cymraeg).
#
# The same message ids as `../en/report.ftl`; a translator edits the words to the right of `=`
# and leaves the ids and the `{ $variables }` as they are.
#
# Welsh notes for whoever edits this file:
# - Terms of statistics follow the Welsh Government's usage: amcangyfrif (estimate), cyfwng
#   hyder (confidence interval), sampl, cyfradd ymateb (response rate), wedi'i bwysoli
#   (weighted), cyfeiliornad safonol (standard error), effaith cynllun (design effect), haen
#   (stratum), ôl-haenu (post-stratification), wedi'i atal (suppressed).
# - Variables never follow a word that mutates them ("yn", "i" before a name, "a"): a group's
#   name follows "yn y grŵp ‘…’", a title follows a comma, and lists of groups are written
#   after a colon, since a mutation cannot be applied to a variable's value.
# - "CI" is written out ("cyfwng hyder 95%"): Welsh has no abbreviation readers know.

## The language itself

report-html-lang = cy

## Every page

report-skip = Neidio i'r prif gynnwys
report-nav = Adroddiad
report-key-findings = Prif ganfyddiadau
report-results = Canlyniadau fesul cwestiwn
report-methodology = Methodoleg
report-data = Data
report-footer = Gwnaed gyda fieldwork. Amcangyfrifon sy'n seiliedig ar gynllun yw'r ffigurau, wedi'u pwysoli i ffrâm y boblogaeth; caiff celloedd sy'n dibynnu ar rhy ychydig o ymatebion eu hatal. Gweler y
report-footer-link = fethodoleg

## The front page

report-index-title = { $title }: canfyddiadau
report-no-findings = Nid oes canfyddiadau i'w hadrodd eto: mae pob amcangyfrif wedi'i atal neu nid oes ymatebion.
report-details = Manylion
report-details-of = y canlyniadau ar gyfer ‘{ $question }’
report-findings-rounding = Mae'r canrannau wedi'u talgrynnu i rifau cyfan, ac felly hefyd eu cyfyngau hyder 95%. Dim ond amcangyfrifon a gyhoeddwyd (heb eu hatal) a ddyfynnir.
report-who-responded = Pwy ymatebodd
report-pledges = Addunedau
report-pledges-intro = Yr hyn yr addawodd pobl a gymerodd ran ei wneud, yn eu geiriau eu hunain, lle dewison nhw ei gyhoeddi:
report-pledges-link = darllen yr addunedau
report-methodology-intro = Sut y cafodd yr arolwg ei gynllunio, ei bwysoli a'i ddiogelu, gyda ffrâm y boblogaeth a nifer yr ymatebion:
report-methodology-link = darllen y fethodoleg
report-download-estimates-csv = Pob amcangyfrif (CSV)
report-download-estimates-json = Pob amcangyfrif (JSON)
report-download-tests = Profion cysylltiad a dibynadwyedd (CSV)
report-download-rates = Ymatebion a chyfraddau ymateb (CSV)
report-downloads-note = Mae pob siart a thabl hefyd yn cysylltu â'r CSV y tu ôl iddo.
report-summary = Dyma beth ddywedodd { $count } o bobl a gwblhaodd yr arolwg, { $title }, wrthym. Mae pob ffigur wedi'i bwysoli i boblogaeth ei grŵp, gyda chyfwng hyder { $level }; mae ffigurau sy'n dibynnu ar lai na { $threshold } o ymatebion yn cael eu dal yn ôl, fel na ellir adnabod neb a gymerodd ran.
report-summary-groups = Dyma beth ddywedodd { $count } o bobl a gwblhaodd yr arolwg, { $title }, wrthym, yn y grwpiau hyn: { $groups }, { $last }. Mae pob ffigur wedi'i bwysoli i boblogaeth ei grŵp, gyda chyfwng hyder { $level }; mae ffigurau sy'n dibynnu ar lai na { $threshold } o ymatebion yn cael eu dal yn ôl, fel na ellir adnabod neb a gymerodd ran.

## What the report says about the survey (front page and methodology)

report-fact-survey = Arolwg
report-fact-survey-value = { $title } ({ $slug }), fersiwn { $version }
report-fact-responses = Ymatebion
report-fact-responses-value = { $complete } cyflawn ({ $share }), { $partial } rhannol (heb eu dadansoddi)
report-fact-share-of-population = { $share } o boblogaeth o { $population }
report-fact-no-frame = dim ffrâm boblogaeth
report-fact-fieldwork = Gwaith maes
report-fact-submitted = Ymatebion a gyflwynwyd
report-fact-submitted-value = { $first } i { $last }
report-fact-none-yet = dim eto
report-fact-plan = Cynllun dadansoddi (SHA-256)
report-fact-default-plan = y cynllun diofyn (pob cwestiwn ond testun rhydd)
report-fact-generated = Adroddiad wedi'i greu
report-fact-generated-value = { $date } { $time } UTC gan fieldwork { $version }

## A question's page

report-charts = Siartiau
report-estimates = Amcangyfrifon
report-tests = Profion
report-pager = Cwestiynau
report-previous = Blaenorol: { $question }
report-next = Nesaf: { $question }
report-base = Sail: { $count } o ymatebion ym mhob haen.

## Figures and tables

report-download = Lawrlwytho:
report-data-csv = data (CSV)
report-show-table = Dangos y data yn y siart hwn fel tabl
report-chart-data-caption = Data ar gyfer y siart: { $title }
report-estimates-caption = Amcangyfrifon: { $question }
report-estimates-item-caption = Amcangyfrifon: "{ $item }"
report-estimates-scale-caption = Amcangyfrifon: sgôr gymedrig y raddfa dros y datganiadau
report-header-group = Grŵp
report-header-answer = Ateb
report-header-estimate = Amcangyfrif
report-header-ci = Cyfwng hyder 95%
report-header-base = Sail (n)
report-header-deff = Effaith cynllun
report-header-note = Nodyn
report-header-stratum = Haen
report-header-population = Poblogaeth (ffrâm)
report-header-invited = Gwahoddwyd
report-header-complete = Cyflawn
report-header-partial = Rhannol
report-header-rate-population = Cyflawn / poblogaeth
report-header-rate-invited = Cyflawn / gwahoddwyd
report-header-frame-source = Ffynhonnell ffigur y boblogaeth
report-rates-caption = Ymatebion a chyfraddau ymateb fesul haen
report-frame-caption = Ffrâm y boblogaeth a'r ymatebion ym mhob haen
report-all-strata = Pob haen
report-range = { $low } i { $high }
report-suppressed = Wedi'i atal
report-suppressed-because = Wedi'i atal: { $reason }
report-note-unanimous = unfrydol: rhoddodd pawb yn yr haen yr ateb hwn
# Why a figure is not shown, in a few words (after "Wedi'i atal:").
report-reason-no-responses = dim ymatebion
report-reason-small = llai na { $threshold } o ymatebion
report-reason-secondary = yn diogelu grŵp arall
report-reason-unanimous = rhoddodd pawb yr un ateb
report-reason-no-answers = dim atebion
# What a summary row of a table measures.
report-answer-positive = Cadarnhaol (y ddau bwynt uchaf)
report-answer-negative = Negyddol (y ddau bwynt isaf)
report-answer-net = Net (cadarnhaol − negyddol)
report-answer-mean = Cymedr
report-answer-scale-mean = Sgôr gymedrig y raddfa (1 i k)
report-answer-median = Canolrif
report-answer-q1 = Chwartel isaf
report-answer-q3 = Chwartel uchaf
# A net score, in percentage points: "+12.5 pwynt".
report-points = { $value } pwynt

## Tests of association and reliability

report-test-the-answers = yr atebion
report-test-association = Cysylltiad rhwng { $variable } a'r haen
report-test-alpha-in = Alffa Cronbach ar gyfer { $group }
report-test-suppressed = { $test }: wedi'i atal ({ $reason }).
report-test-base-below-threshold = sail o dan y trothwy
report-test-rao-scott = Cysylltiad rhwng { $variable } a'r haen (F Rao-Scott): F = { $f } ar { $ndf } a { $ddf } gradd rhyddid, { $p }.
report-test-alpha = Alffa Cronbach y datganiadau ar gyfer { $group }: { $alpha } (n = { $n }).

## The key findings

report-share-ci = { $share } (cyfwng hyder 95%: { $low }–{ $high })
report-or = neu
report-finding-benchmark = Ar draws pob haen, atebodd { $share } "{ $option }" i "{ $question }". Y meincnod yw { $benchmark }: "{ $label }" ({ $source }).
report-finding-option-range = Yn y grŵp ‘{ $high }’, atebodd { $high-share } "{ $option }" i "{ $question }"; yn y grŵp ‘{ $low }’, { $low-share }.
report-finding-positive = Ar draws pob haen, atebodd { $share } { $positive } i "{ $question }" (o'r rhai a atebodd ar y raddfa).
report-finding-positive-range = Yn y grŵp ‘{ $high }’, atebodd { $high-share } { $positive } i "{ $question }"; yn y grŵp ‘{ $low }’, { $low-share }.
report-finding-most-chosen = Yr ateb a ddewiswyd amlaf i "{ $question }" oedd "{ $option }": dewisodd { $share } o bawb a atebodd yr ateb hwn.
report-finding-grid-most = O'r datganiadau yn "{ $question }", "{ $item }" oedd yr un yr atebodd arweinwyr { $positive } iddo amlaf: { $share } o'r rhai a atebodd ar y raddfa.
report-finding-grid-least = O'r datganiadau yn "{ $question }", "{ $item }" oedd yr un yr atebodd arweinwyr { $positive } iddo leiaf aml: { $share } o'r rhai a atebodd ar y raddfa.

## Charts: titles, subtitles, notes and alternative text

# "yn ôl sector": the stratum question's id, with spaces.
report-by = yn ôl { $variable }
report-base-n = n = { $n }
report-no-responses = dim ymatebion
report-cell-suppressed = wedi'i atal
report-cell-suppressed-because = wedi'i atal ({ $reason })
report-source-note = Ffynhonnell: { $title } (fersiwn { $version } o'r arolwg), { $complete } o ymatebion cyflawn, wedi'u pwysoli i ffrâm y boblogaeth. Mae ffigurau sy'n dibynnu ar lai na { $threshold } o ymatebion wedi'u hatal.
report-benchmark-line = Meincnod ({ $source })
report-proportion-alt = Siart bar: y gyfran a atebodd "{ $option }" i "{ $question }", { $by }. Pob haen: { $all }.
report-alt-group = { $group }: { $value }.
report-proportion-alt-benchmark = Llinell meincnod ar { $value }: { $label } ({ $source }).
report-proportion-subtitle = Y gyfran a atebodd "{ $option }", { $by }, gyda chyfyngau hyder 95%. Sail: pawb a atebodd ({ $base } ym mhob haen).
report-proportion-subtitle-benchmark = Meincnod: { $label } ({ $source }).
report-ranked-multi = Y gyfran a ddewisodd bob opsiwn (gallai ymatebwyr ddewis mwy nag un)
report-ranked-single = Y gyfran a roddodd bob ateb
report-ranked-alt = Siartiau bar, un ar gyfer pob grŵp: "{ $question }". { $what }, wedi'u trefnu yn ôl y gyfran ar draws pob haen.
report-ranked-subtitle = { $what }, wedi'u trefnu yn ôl y gyfran ar draws pob haen; { $by }. Sail: pawb a atebodd ({ $base } ym mhob haen). Mae'r llinellau'n dangos cyfyngau hyder 95%.
report-likert-alt = Siart bar dargyfeiriol: atebion i "{ $question }" { $by }, fel cyfrannau o'r atebion ar y raddfa ({ $scale }).
report-likert-alt-other = { $answer } { $share } o'r holl atebion
report-likert-subtitle = Cyfrannau'r atebion { $by }, wedi'u canoli ar ganol y raddfa. Sail: pawb a atebodd ({ $base } ym mhob haen).
report-likert-subtitle-other = Cyfrannau'r atebion ar y raddfa { $by }, wedi'u canoli ar ganol y raddfa ({ $base } ym mhob haen); dangosir { $other } ar wahân, mewn llwyd, fel cyfran o'r holl atebion.
report-and = a
report-heatmap-title = Y gyfran a atebodd { $positive } i bob datganiad, { $by }
report-heatmap-alt = Map gwres: ar gyfer pob datganiad yn "{ $question }", y gyfran a atebodd { $positive } { $by }.
report-heatmap-subtitle = Pob cell: % o'r rhai a atebodd ar y raddfa a ddewisodd { $positive }. Mae celloedd tywyllach yn is. Sail: { $base }.
report-heatmap-base = n = { $n } ym mhob haen
report-heatmap-base-range = n = { $low } i { $high } ym mhob haen, yn ôl datganiad
report-rates-title = Ymatebion o'u cymharu â ffrâm y boblogaeth, { $by }
report-rates-alt = Siart bar: ymatebion cyflawn fel cyfran o ffrâm y boblogaeth, { $by }. Cyfanswm: { $complete } o { $population }.
report-rates-alt-group = { $group }: { $complete } o { $population }{ $rate }.
report-rates-subtitle = Ymatebion cyflawn fel cyfran o'r boblogaeth yn y ffrâm. Cyfanswm: { $complete } o ymatebion cyflawn o boblogaeth o { $population }.
report-rates-note = Ffynhonnell: { $title } (fersiwn { $version } o'r arolwg); ffrâm y boblogaeth fel y'i rhoddir yn niffiniad yr arolwg.
# Words drawn on the charts themselves.
report-chart-estimate = Amcangyfrif
report-chart-ci = Cyfwng hyder 95%
report-chart-suppressed-not-zero = Wedi'i atal (nid sero)
# Short for "wedi'i atal", in a narrow cell.
report-chart-suppressed-short = atal.
report-chart-positive = % cadarnhaol
report-chart-of-all-answers = { $answers } (o'r holl atebion)
report-chart-rate = { $complete } o { $population } ({ $rate })
report-chart-no-frame = { $complete } (dim cyfrif yn y ffrâm)

## The methodology page

report-design = Cynllun a ffrâm
report-design-text = Mae'r arolwg wedi'i haenu yn ôl yr ateb i “{ $question }”. Daw poblogaeth pob haen o'r ffrâm isod; y gyfradd ymateb yw nifer yr ymatebion cyflawn dros y boblogaeth honno (a dros y gwahoddiadau a anfonwyd, lle anfonwyd rhai).
report-fieldwork = Gwaith maes
report-fieldwork-text = Dim ond ymatebion cyflawn sy'n cael eu dadansoddi, o bob fersiwn o'r arolwg, wedi'u gosod yn ôl y fersiwn a enwir uchod. Mae ymatebion rhannol ac ymatebion a dynnwyd yn ôl yn cael eu gadael allan, ac nid yw atebion testun rhydd byth yn cael eu dadansoddi na'u cyhoeddi.
report-weighting = Pwysoli ac amcangyfrif
# The weight's formula sits between these three pieces: "… haen h yn cael ei bwysoli â N_h / n_h, …".
report-weighting-each = Mae pob ymateb yn haen
report-weighting-is = yn cael ei bwysoli â
report-weighting-rest = , sef poblogaeth yr haen wedi'i rhannu â nifer ei hymatebion cyflawn: ôl-haenu i'r ffrâm ar yr haen. Mae'r amcangyfrifon yn seiliedig ar gynllun (samplu haenedig heb amnewid, gyda'r cywiriad poblogaeth feidraidd); daw'r cyfeiliornadau safonol o linoli Taylor, fel ym mhecyn survey R, ac mae pob amcangyfrifydd yn cael ei wirio yn ei erbyn.
report-intervals = Cyfyngau hyder { $level } yw'r cyfyngau: ar gyfer cyfrannau, { $method }; ar gyfer cymedrau, yr amcangyfrif plws neu minws y cwantil normal wedi'i luosi â'r cyfeiliornad safonol. Mae cysylltiadau â'r haen yn cael eu profi gyda phrawf F Rao-Scott wedi'i gywiro i'r ail drefn.
report-interval-logit = y dull logit (fel y mae svyciprop yn R yn ei wneud yn ddiofyn)
report-interval-wilson = dull Wilson gyda'r maint sampl effeithiol sy'n seiliedig ar gynllun
report-suppression = Rheoli datgelu
report-suppression-small = Ni chyhoeddir unrhyw ffigur sy'n dibynnu ar lai na { $threshold } o ymatebion: caiff cell o'r fath ei hatal, a'i nodi'n “Wedi'i atal” ym mhob siart a thabl, a byth ei dangos fel sero.
report-suppression-secondary = Lle mae un grŵp mewn cwestiwn wedi'i atal a'r ffigur ar gyfer pob haen wedi'i gyhoeddi, caiff y grŵp lleiaf nesaf ei atal hefyd, fel na ellir cyfrifo'r ffigur cudd o'r lleill.
report-suppression-unanimous = Lle rhoddodd pawb mewn grŵp yr un ateb, caiff y ffigur ei nodi
report-suppression-sensitive = , ac ar gyfer y cwestiynau sensitif hyn caiff ei atal:
report-benchmarks = Meincnodau
report-benchmarks-intro = Rhoddir rhai canlyniadau ochr yn ochr â ffigurau a gyhoeddwyd mewn mannau eraill, wedi'u dyfynnu fel y'u cyhoeddwyd:
report-benchmarks-caveat = Daw'r rhain o arolygon eraill gyda phoblogaethau a chwestiynau eraill; cyd-destun ydyn nhw, nid prawf.
report-reading = Darllen y siartiau a'r tablau
report-reading-rounding = Mae'r prif ganfyddiadau a labeli'r siartiau yn rhoi canrannau cyfan, wedi'u talgrynnu hanner i ffwrdd o sero, ac mae eu cyfyngau wedi'u talgrynnu yn yr un ffordd. Mae'r tablau'n rhoi un lle degol; mae'r ffeiliau CSV yn rhoi'r manylder llawn.
report-reading-bars = Mae'r barrau'n dangos amcangyfrifon a'r llinellau du eu cyfyngau hyder { $level }. Mae llinell ddu doredig yn nodi'r ffigur ar gyfer pob haen a llinell oren doredig yn nodi meincnod.
report-reading-likert = Mae siartiau Likert wedi'u canoli ar ganol y raddfa: mae atebion islaw'r canol yn ymestyn i'r chwith, atebion uwch ei ben i'r dde, ac mae'r pwynt canol wedi'i rannu'n gyfartal ar draws y canol. Dangosir “Ddim yn gwybod” ac atebion tebyg ar wahân, mewn llwyd, fel cyfran o'r holl atebion.
report-reading-colours = Mae'r lliwiau'n ddiogel i ddarllenwyr sy'n lliwddall: palet Okabe ac Ito ar gyfer barrau a llinellau, cynllun coch-glas ColorBrewer ar gyfer graddfeydd Likert, a viridis ar gyfer y map gwres. Mae'r rhifau wedi'u hargraffu ar y siartiau, felly nid oes unrhyw ddehongliad yn dibynnu ar liw yn unig.
report-reading-suppressed = Mae blwch â llinellau croes sydd wedi'i labelu “Wedi'i atal” yn nodi ffigur nad yw wedi'i gyhoeddi.

## The pledges page

report-pledges-lead = Dewisodd pobl a gymerodd ran gyhoeddi'r addunedau hyn. Darllenodd ymchwilydd bob un cyn ei chyhoeddi, ac ni newidiwyd yr un ohonynt. Daw'r rhai mwyaf diweddar yn gyntaf.
report-pledges-attribution = Nid oes enw ar unrhyw adduned. Priodolir pob un i “arweinydd yn y sector cyhoeddus”, neu i'r sector a ddewisodd ei hawdur, pan fydd o leiaf { $threshold } o addunedau a gyhoeddwyd yn enwi'r sector hwnnw.
report-pledges-none = Nid oes unrhyw addunedau wedi'u cyhoeddi eto.
report-pledges-anonymous = Arweinydd yn y sector cyhoeddus
