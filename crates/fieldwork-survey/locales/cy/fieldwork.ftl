# fieldwork's own words on the respondent pages, in Welsh (Cymraeg).
#
# Each language has a folder of its own beside this one (`en` for English), holding a file with
# the same message ids. A translator edits the words to the right of `=` and leaves the ids,
# and the `{ $variables }`, as they are. `docs/translating.md` says how to add a language.
#
# Welsh notes for whoever edits this file:
# - Variables are placed where Welsh needs no mutation of them (a survey's title follows
#   "yr arolwg", never "yn"), because a mutation cannot be applied to a variable's value.
# - `{ $reason }` (storage-full, storage-unavailable) is a main clause ("mae ein storfa'n
#   llawn") and always follows a colon: after "oherwydd" Welsh would need a "bod" clause.
# - Counts use Welsh's plural categories (zero, one, two, few = 3, many = 6, other); numbers
#   passed as words (min, max, length) take a singular noun that starts with a vowel or "n"
#   ("opsiwn", "nod"), which no number mutates.

## The language itself

# The language's name in itself, for the language switcher.
language-name = Cymraeg
language-switcher = Dewis iaith

## Every page

service-footer = Mae'r arolwg hwn yn defnyddio fieldwork. Mae eich atebion yn cael eu cadw'n gyfrinachol a dim ond fel ffigurau ar gyfer grwpiau o bobl y cânt eu cyhoeddi.
skip-to-main = Neidio i'r prif gynnwys
support-links = Cysylltiadau cymorth
privacy-notice-link = Hysbysiad preifatrwydd
back = Yn ôl
error-prefix = Gwall:
error-title-prefix = Gwall:
error-summary-title = Mae problem wedi codi
# A divider before "None of these" or "Don't know".
or = neu

## Start page

start-question-count = { $count ->
    [zero] Nid oes unrhyw gwestiynau. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
    [one] Mae { $count } cwestiwn. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
    [two] Mae hyd at { $count } gwestiwn. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
    [few] Mae hyd at { $count } chwestiwn. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
    [many] Mae hyd at { $count } chwestiwn. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
   *[other] Mae hyd at { $count } o gwestiynau. Gallwch gadw eich atebion a dod yn ôl yn nes ymlaen.
}
start-now = Dechrau nawr
carry-on = Bwrw ymlaen
consent-heading = Eich cydsyniad
consent-hint = Ticiwch bob datganiad i gymryd rhan.
consent-missing = Ticiwch bob datganiad i gymryd rhan, neu dewiswch nad ydych am gymryd rhan
agree-and-start = Cytuno a dechrau
decline-link = Nid wyf am gymryd rhan
see-or-withdraw-link = Gweld neu dynnu'n ôl atebion rydych eisoes wedi'u hanfon

## Question page

optional = (dewisol)
continue = Parhau
save-and-come-back = Cadw a dod yn ôl yn nes ymlaen
character-limit = Gallwch roi hyd at { $max } nod
publish-heading = Cyhoeddi eich ateb
publish-hint = Bydd yn aros yn breifat oni bai eich bod yn dewis ei gyhoeddi. Bydd ymchwilydd yn ei ddarllen cyn iddo gael ei gyhoeddi, ac ni fydd byth yn cael ei ddangos gyda'ch enw nac unrhyw ateb arall gennych.
publish-checkbox = Cyhoeddi fy ateb ar wefan yr astudiaeth
attribution-legend = Os caiff ei gyhoeddi, dangos ei fod yn dod gan
attribution-anonymous = Arweinydd yn y sector cyhoeddus
attribution-sector = Arweinydd yn fy sector
attribution-sector-hint = Dim ond pan fydd digon o arweinwyr yn eich sector wedi cyhoeddi y caiff eich sector ei enwi; fel arall, "arweinydd yn y sector cyhoeddus".
answer-not-saved = Nid yw eich ateb wedi'i gadw: { $reason }. Mae'n dal yn y ffurflen isod: rhowch gynnig arall arni ymhen ychydig funudau.

## Check your answers

check-title = Gwirio eich atebion cyn eu hanfon
change = Newid
not-answered = Heb ei ateb
check-consent-given = Ar { $date } fe wnaethoch gytuno i'r canlynol, ar ôl darllen yr wybodaeth i gyfranogwyr (fersiwn { $version }):
send-heading = Anfon eich atebion nawr
send-agreement = Drwy anfon eich atebion, rydych yn cytuno y cawn eu defnyddio, heb eich enw na'ch sefydliad, mewn ymchwil a gyhoeddir. Gallwch eu tynnu'n ôl yn nes ymlaen gyda'r cod derbynneb y byddwn yn ei roi i chi.
send-answers = Anfon atebion
answers-not-sent = Nid yw eich atebion wedi'u hanfon: { $reason }. Nid oes dim wedi'i golli: maent yn cael eu cadw yma. Ceisiwch eu hanfon eto ymhen ychydig funudau.

## Confirmation

done-title = Atebion wedi'u hanfon
receipt-code = Eich cod derbynneb
done-thanks = Diolch am gymryd rhan yn yr arolwg { $title }.
done-change-mind = Os byddwch yn newid eich meddwl
done-keep-receipt = Cadwch eich cod derbynneb. Gydag ef, gallwch
done-keep-receipt-link = weld eich atebion, eu lawrlwytho neu eu tynnu'n ôl
done-keep-receipt-after = ar unrhyw adeg. Os byddwch yn eu tynnu'n ôl, byddwn yn eu dileu ar unwaith, ynghyd â'ch cydsyniad ac unrhyw addewid gennych a gyhoeddwyd, ac yn eu gadael allan o bob dadansoddiad ac allforiad o hynny ymlaen.
done-published-findings = Ni chaiff canfyddiadau sydd eisoes wedi'u cyhoeddi eu newid ar unwaith: ffigurau ar gyfer grwpiau cyfan ydynt, lle nad oes modd adnabod unrhyw unigolyn. Y tro nesaf y caiff y canfyddiadau eu diweddaru, byddant yn cael eu cyfrifo eto heb eich atebion.

## Saving and coming back

saved-title = Mae eich atebion wedi'u cadw
saved-body = I barhau o'r man lle gwnaethoch adael, defnyddiwch y ddolen hon cyn { $date }. Cadwch hi'n breifat: gall unrhyw un sydd â'r ddolen weld a newid eich atebion.
carry-on-now = Bwrw ymlaen nawr
resume-title = Bwrw ymlaen â'ch atebion
resume-body = Mae eich atebion sydd wedi'u cadw i'r arolwg { $title } yn aros amdanoch.
resume-expired-title = Mae'r ddolen hon wedi dod i ben
resume-expired-body = Dim ond am gyfnod cyfyngedig y caiff atebion eu cadw, neu nid yw'r ddolen yn gyflawn. Dechreuwch eto o'ch gwahoddiad neu o ddolen yr arolwg.

## Seeing and withdrawing answers

withdraw-title = Gweld neu dynnu eich atebion yn ôl
receipt-label = Eich cod derbynneb
receipt-hint = Y cod a gawsoch pan wnaethoch anfon eich atebion, er enghraifft 7K2M-9QXD-4RTA-HW3B. Gydag ef, gallwch weld eich atebion a'u lawrlwytho, neu eu tynnu'n ôl: byddwn wedyn yn eu dileu ac yn eu gadael allan o bob dadansoddiad ac allforiad.
see-my-answers = Gweld fy atebion
withdraw-my-answers = Tynnu fy atebion yn ôl
receipt-missing = Rhowch eich cod derbynneb
receipt-malformed = Rhowch y cod derbynneb yn y fformat cywir: 16 o lythrennau a rhifau, fel 7K2M-9QXD-4RTA-HW3B
receipt-not-found = Ni chafwyd hyd i unrhyw atebion gyda'r cod derbynneb hwnnw. Gwiriwch ef a rhowch gynnig arall arni.
answers-title = Eich atebion
answers-sent-to = Yr atebion a anfonwyd gennych i'r arolwg { $title }.
answers-sent-to-on = Yr atebion a anfonwyd gennych i'r arolwg { $title } ar { $date }.
answers-consent-intro = Cyn i chi ddechrau, fe wnaethoch gytuno:
keep-a-copy = Cadw copi
download-answers = Lawrlwytho eich atebion (CSV)
withdraw-heading = Tynnu eich atebion yn ôl
withdraw-explained = Byddwn yn dileu eich atebion, eich cydsyniad ac unrhyw addewid gennych a gyhoeddwyd, ac yn eu gadael allan o bob dadansoddiad ac allforiad o hyn ymlaen. Bydd ffigurau sydd eisoes wedi'u cyhoeddi yn cael eu cyfrifo eto heb eich atebion y tro nesaf y cânt eu diweddaru.
withdrawn-title = Mae eich atebion wedi'u tynnu'n ôl
withdrawn-deleted = Rydym wedi dileu eich atebion. Ni fyddant yn ymddangos mewn unrhyw ddadansoddiad, adroddiad nac allforiad o hyn ymlaen.
withdrawn-published = Ffigurau ar gyfer grwpiau cyfan yw canfyddiadau sydd eisoes wedi'u cyhoeddi, lle nad oes modd adnabod unrhyw unigolyn. Y tro nesaf y cânt eu diweddaru, byddant yn cael eu cyfrifo eto heb eich atebion.
go-to-start = Mynd i ddechrau'r arolwg

## Declining

declined-title = Rydych wedi dewis peidio â chymryd rhan
declined-thanks = Diolch am ei ystyried. Nid oes dim o'r hyn a roesoch wedi'i gadw.
declined-close = Gallwch gau'r dudalen hon. Os byddwch yn newid eich meddwl, gallwch ddod yn ôl i ddolen yr arolwg.
declined-back = Mynd yn ôl i ddechrau'r arolwg

## Privacy notice

privacy-title = Hysbysiad preifatrwydd
privacy-intro = Sut mae'r ymchwilwyr sy'n cynnal yr arolwg hwn yn defnyddio ac yn diogelu eich gwybodaeth.
privacy-controller = Pwy sy'n gyfrifol am eich data
privacy-purpose = Pam rydym yn ei gasglu
privacy-lawful-basis = Ein sail gyfreithlon
privacy-data-kept = Beth rydym yn ei gadw
privacy-retention = Am ba hyd rydym yn ei gadw
privacy-recipients = Pwy sy'n ei gael
privacy-rights = Eich hawliau
privacy-contact = Sut i gysylltu â ni
privacy-withdraw-heading = Os byddwch yn tynnu eich atebion yn ôl
privacy-withdraw-body = Mae tynnu'n ôl yn dileu eich atebion, eich cydsyniad ac unrhyw addewid gennych a gyhoeddwyd. Mae ffigurau sydd eisoes wedi'u cyhoeddi ar gyfer grwpiau cyfan, lle nad oes modd adnabod unrhyw unigolyn; byddant yn cael eu cyfrifo eto heb eich atebion y tro nesaf y cânt eu diweddaru.
go-to-survey = Mynd i'r arolwg

## Surveys that cannot be answered

survey-closed-title = Mae'r arolwg { $title } wedi cau
survey-closed-body = Nid yw'r arolwg hwn yn derbyn atebion mwyach. Diolch am eich diddordeb.
survey-not-open-title = Nid yw'r arolwg { $title } ar agor eto
survey-not-open-body = Nid yw'r arolwg hwn wedi dechrau derbyn atebion. Rhowch gynnig ar y ddolen eto yn nes ymlaen.
survey-closed-while-answering-title = Mae'r arolwg hwn wedi cau
survey-closed-while-answering-body = Rhoddodd yr arolwg hwn y gorau i dderbyn atebion cyn y gellid cadw eich atebion chi. Diolch am eich diddordeb.
invitation-needed-title = Mae angen gwahoddiad arnoch i gymryd rhan
invitation-needed-body = Drwy wahoddiad yn unig y mae'r arolwg hwn. Defnyddiwch y ddolen yn y gwahoddiad a anfonwyd atoch.
invitation-invalid-title = Nid yw'r ddolen wahoddiad hon yn ddilys
invitation-invalid-body = Gwiriwch eich bod wedi defnyddio'r ddolen gyfan o'ch gwahoddiad. Os nad yw'n gweithio o hyd, cysylltwch â'r tîm ymchwil a'ch gwahoddodd.
invitation-used-title = Mae'r gwahoddiad hwn eisoes wedi'i ddefnyddio
invitation-used-body = Dim ond unwaith y gellir defnyddio pob gwahoddiad i ateb. Os gwnaethoch anfon atebion a'ch bod am eu cymryd yn ôl, defnyddiwch eich cod derbynneb i'w tynnu'n ôl.

## Error pages

not-found-title = Heb ddod o hyd i'r dudalen
not-found-body = Os gwnaethoch deipio'r cyfeiriad gwe, gwiriwch ei fod yn gywir. Os gwnaethoch ddilyn dolen o wahoddiad, gwiriwch eich bod wedi defnyddio'r ddolen gyfan.
csrf-title = Nid oedd modd anfon eich atebion
csrf-body = Roedd y ffurflen wedi dod i ben neu nid oedd wedi'i hanfon o'r wefan hon. Ewch yn ôl, ail-lwythwch y dudalen a rhowch gynnig arall arni.
too-large-title = Mae eich ateb yn rhy hir
too-large-body = Ewch yn ôl a byrhewch eich ateb, yna rhowch gynnig arall arni.
rate-limited-title = Gormod o ymdrechion
rate-limited-body = Arhoswch funud, yna rhowch gynnig arall arni.
unavailable-title = Mae'n ddrwg gennym, nid yw'r gwasanaeth ar gael
unavailable-body = Nid yw eich atebion wedi'u colli. Rhowch gynnig arall arni ymhen ychydig funudau.
storage-not-saved = Nid yw'r hyn rydych newydd ei anfon wedi'i gadw: { $reason }.
storage-try-again = Ewch yn ôl a rhowch gynnig arall arni ymhen ychydig funudau.
internal-title = Mae'n ddrwg gennym, mae problem gyda'r gwasanaeth
internal-body = Rhowch gynnig arall arni yn nes ymlaen.
# Used as `{ $reason }` after a colon (see the note at the top): a main clause.
storage-full = mae ein storfa'n llawn
storage-unavailable = ni all ein storfa gadw dim ar hyn o bryd

## Problems with an answer (the `question` is the question's own words)

answer-required-choice = Dewiswch ateb i ‘{ $question }’
answer-required-choices = Dewiswch o leiaf un opsiwn ar gyfer ‘{ $question }’
answer-required-grid = Dewiswch ateb ar gyfer pob datganiad yn ‘{ $question }’
answer-required-number = Rhowch rif ar gyfer ‘{ $question }’
answer-required-text = Rhowch ateb i ‘{ $question }’
answer-required-item = Dewiswch ateb ar gyfer ‘{ $item }’
answer-unknown-question = Nid oes cwestiwn o'r fath yn yr arolwg hwn
answer-not-asked = Nid yw'r cwestiwn hwn yn cael ei ofyn o ystyried yr atebion a roddwyd i gwestiynau cynharach
answer-expected = Roeddem yn disgwyl { $expected }
answer-expected-code = un cod opsiwn fel llinyn
answer-expected-codes = rhestr o godau opsiynau
answer-expected-grid = gwrthrych o ddynodydd datganiad i god opsiwn
answer-expected-number = rhif
answer-expected-text = llinyn
answer-option-not-offered = Dewiswch un o'r opsiynau a roddwyd
answer-options-not-offered = Dewiswch yr opsiynau a roddwyd yn unig
answer-exclusive = Dewiswch ‘{ $option }’ ar ei ben ei hun, neu opsiynau eraill hebddo
answer-too-many = Dewiswch { $max } opsiwn ar y mwyaf
answer-too-few = Dewiswch o leiaf { $min } opsiwn
answer-unknown-item = Nid oes datganiad o'r fath yn y cwestiwn hwn
answer-item-option-not-offered = Dewiswch un o'r opsiynau a roddwyd ar gyfer ‘{ $item }’
answer-whole-number-like = Rhowch rif cyfan, fel 12
answer-number-like = Rhowch rif, fel 12 neu 3.5
answer-whole-number = Rhowch rif cyfan
answer-between = Rhowch rif rhwng { $min } a { $max }{ $unit }
answer-at-least = Rhowch rif sydd o leiaf { $min }{ $unit }
answer-at-most = Rhowch rif nad yw'n fwy na { $max }{ $unit }
answer-smaller = Rhowch rif llai
answer-null-character = Tynnwch y nod null o'ch ateb
answer-too-long = Rhaid i'ch ateb fod yn { $max } nod neu lai (mae ganddo { $length } nod)

## Dates (the day, the month's name and the year)

date = { $day } { $month ->
    [1] Ionawr
    [2] Chwefror
    [3] Mawrth
    [4] Ebrill
    [5] Mai
    [6] Mehefin
    [7] Gorffennaf
    [8] Awst
    [9] Medi
    [10] Hydref
    [11] Tachwedd
   *[12] Rhagfyr
} { $year }

## The server's front page

home-title = Arolygon sy'n cael eu cynnal gyda fieldwork
home-take-part = I gymryd rhan mewn arolwg, defnyddiwch y ddolen yn eich gwahoddiad, neu'r ddolen a rannodd yr ymchwilwyr gyda chi.
home-withdraw = I weld neu dynnu'n ôl atebion a anfonwyd gennych, dilynwch ddolen yr arolwg a dewiswch “Gweld neu dynnu'n ôl atebion rydych eisoes wedi'u hanfon”: bydd angen y cod derbynneb o'ch tudalen gadarnhau arnoch.
home-researchers = Gall ymchwilwyr fewngofnodi i reoli eu harolygon.
home-sign-in = Mewngofnodi fel ymchwilydd

## Opting out of a survey's emails

opt-out-title = Peidio â chael negeseuon e-bost am yr arolwg hwn
opt-out-body = Cawsoch eich gwahodd drwy e-bost i gymryd rhan yn yr arolwg { $title }. Os nad ydych eisiau rhagor o wahoddiadau neu nodiadau atgoffa amdano, pwyswch y botwm. Nid oes angen i chi fewngofnodi.
opted-out-title = Ni fyddwch yn cael rhagor o negeseuon e-bost am yr arolwg hwn
opted-out-stopped = Rydym wedi atal pob gwahoddiad a nodyn atgoffa am yr arolwg hwn i'ch cyfeiriad.
opted-out-link-works = Mae eich dolen wahodd yn dal i weithio os byddwch yn newid eich meddwl ac eisiau cymryd rhan.
