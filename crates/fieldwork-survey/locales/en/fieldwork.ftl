# fieldwork's own words on the respondent pages, in English.
#
# Each language has a folder of its own beside this one (`cy` for Welsh), holding a file with
# the same message ids. A translator edits the words to the right of `=` and leaves the ids,
# and the `{ $variables }`, as they are. `docs/translating.md` says how to add a language.

## The language itself

# The language's name in itself, for the language switcher.
language-name = English
language-switcher = Choose a language

## Every page

service-footer = Run with fieldwork. Your answers are kept confidential and published only as figures for groups of people.
skip-to-main = Skip to main content
support-links = Support links
privacy-notice-link = Privacy notice
back = Back
error-prefix = Error:
error-title-prefix = Error:
error-summary-title = There is a problem
# A divider before "None of these" or "Don't know".
or = or

## Start page

start-question-count = { $count ->
    [one] There is 1 question. You can save your answers and come back later.
   *[other] There are up to { $count } questions. You can save your answers and come back later.
}
start-now = Start now
carry-on = Carry on
consent-heading = Your consent
consent-hint = Tick each statement to take part.
consent-missing = Tick each statement to take part, or choose that you do not want to take part
agree-and-start = Agree and start
decline-link = I do not want to take part
see-or-withdraw-link = See or withdraw answers you have already sent

## Question page

optional = (optional)
continue = Continue
save-and-come-back = Save and come back later
character-limit = You can enter up to { $max } characters
publish-heading = Publishing your answer
publish-hint = It stays private unless you choose to publish it. A researcher reads it before it is published, and it is never shown with your name or any other answer of yours.
publish-checkbox = Publish my answer on the study's website
attribution-legend = If it is published, show it as from
attribution-anonymous = A public sector leader
attribution-sector = A leader in my sector
attribution-sector-hint = Your sector is named only when enough leaders in it have published; otherwise "a public sector leader".
answer-not-saved = Your answer has not been saved because { $reason }. It is still in the form below: try again in a few minutes.

## Check your answers

check-title = Check your answers before sending them
change = Change
not-answered = Not answered
check-consent-given = On { $date } you agreed to the following, having read the participant information (version { $version }):
send-heading = Now send your answers
send-agreement = By sending your answers you agree that we may use them, without your name or organisation, in published research. You can withdraw them later with the receipt code we give you.
send-answers = Send answers
answers-not-sent = Your answers have not been sent because { $reason }. Nothing is lost: they are kept here. Try sending them again in a few minutes.

## Confirmation

done-title = Answers sent
receipt-code = Your receipt code
done-thanks = Thank you for taking part in { $title }.
done-change-mind = If you change your mind
done-keep-receipt = Keep your receipt code. With it you can
done-keep-receipt-link = see your answers, download them or withdraw them
done-keep-receipt-after = at any time. If you withdraw them we delete them at once, with your consent and any pledge of yours that was published, and leave them out of every analysis and export from then on.
done-published-findings = Findings already published are not changed straight away: they are figures for whole groups, in which no one person can be picked out. The next time the findings are updated, they are worked out again without your answers.

## Saving and coming back

saved-title = Your answers have been saved
saved-body = To carry on where you left off, use this link before { $date }. Keep it private: anyone with the link can see and change your answers.
carry-on-now = Carry on now
resume-title = Carry on with your answers
resume-body = Your saved answers to { $title } are waiting for you.
resume-expired-title = This link has expired
resume-expired-body = Saved answers are kept for a limited time, or the link is not complete. Start again from your invitation or the survey's link.

## Seeing and withdrawing answers

withdraw-title = See or withdraw your answers
receipt-label = Your receipt code
receipt-hint = The code you were given when you sent your answers, for example 7K2M-9QXD-4RTA-HW3B. With it you can see your answers and download them, or withdraw them: we then delete them and leave them out of every analysis and export.
see-my-answers = See my answers
withdraw-my-answers = Withdraw my answers
receipt-missing = Enter your receipt code
receipt-malformed = Enter the receipt code in the right format: 16 letters and numbers, like 7K2M-9QXD-4RTA-HW3B
receipt-not-found = No answers were found with that receipt code. Check it and try again.
answers-title = Your answers
answers-sent-to = The answers you sent to { $title }.
answers-sent-to-on = The answers you sent to { $title } on { $date }.
answers-consent-intro = Before you started, you agreed that:
keep-a-copy = Keep a copy
download-answers = Download your answers (CSV)
withdraw-heading = Withdraw your answers
withdraw-explained = We will delete your answers, your consent and any pledge of yours that was published, and leave them out of every analysis and export from now on. Figures already published are worked out again without your answers the next time they are updated.
withdrawn-title = Your answers have been withdrawn
withdrawn-deleted = We have deleted your answers. They will not appear in any analysis, report or export from now on.
withdrawn-published = Findings already published are figures for whole groups, in which no one person can be picked out. The next time they are updated, they are worked out again without your answers.
go-to-start = Go to the start of the survey

## Declining

declined-title = You have chosen not to take part
declined-thanks = Thank you for considering it. Nothing you entered has been kept.
declined-close = You can close this page. If you change your mind, you can come back to the survey's link.
declined-back = Go back to the start of the survey

## Privacy notice

privacy-title = Privacy notice
privacy-intro = How the researchers running this survey use and protect your information.
privacy-controller = Who is responsible for your data
privacy-purpose = Why we collect it
privacy-lawful-basis = Our lawful basis
privacy-data-kept = What we keep
privacy-retention = How long we keep it
privacy-recipients = Who receives it
privacy-rights = Your rights
privacy-contact = How to contact us
privacy-withdraw-heading = If you withdraw your answers
privacy-withdraw-body = Withdrawing deletes your answers, your consent and any pledge of yours that was published. Figures already published are for whole groups, in which no one person can be picked out; they are worked out again without your answers the next time they are updated.
go-to-survey = Go to the survey

## Surveys that cannot be answered

survey-closed-title = { $title } has closed
survey-closed-body = This survey is no longer taking answers. Thank you for your interest.
survey-not-open-title = { $title } is not open yet
survey-not-open-body = This survey has not started taking answers. Try the link again later.
survey-closed-while-answering-title = This survey has closed
survey-closed-while-answering-body = This survey stopped taking answers before yours could be saved. Thank you for your interest.
invitation-needed-title = You need an invitation to take part
invitation-needed-body = This survey is by invitation only. Use the link in the invitation you were sent.
invitation-invalid-title = This invitation link is not valid
invitation-invalid-body = Check you used the whole link from your invitation. If it still does not work, contact the research team who invited you.
invitation-used-title = This invitation has already been used
invitation-used-body = Each invitation can be used to answer once. If you sent answers and want to take them back, use your receipt code to withdraw them.

## Error pages

not-found-title = Page not found
not-found-body = If you typed the web address, check it is correct. If you followed a link from an invitation, check you used the whole link.
csrf-title = Your answers could not be sent
csrf-body = The form had expired or was not sent from this site. Go back, reload the page and try again.
too-large-title = Your answer is too long
too-large-body = Go back and shorten your answer, then try again.
rate-limited-title = Too many attempts
rate-limited-body = Wait a minute, then try again.
unavailable-title = Sorry, the service is unavailable
unavailable-body = Your answers have not been lost. Try again in a few minutes.
storage-not-saved = What you just sent has not been saved: { $reason }.
storage-try-again = Go back and try again in a few minutes.
internal-title = Sorry, there is a problem with the service
internal-body = Try again later.
storage-full = our storage is full
storage-unavailable = our storage cannot save anything at the moment

## Problems with an answer (the `question` is the question's own words)

answer-required-choice = Select an answer to ‘{ $question }’
answer-required-choices = Select at least one option for ‘{ $question }’
answer-required-grid = Select an answer for every statement in ‘{ $question }’
answer-required-number = Enter a number for ‘{ $question }’
answer-required-text = Enter an answer to ‘{ $question }’
answer-required-item = Select an answer for ‘{ $item }’
answer-unknown-question = There is no such question in this survey
answer-not-asked = This question is not asked for the answers given to earlier questions
answer-expected = Expected { $expected }
answer-expected-code = one option code as a string
answer-expected-codes = a list of option codes
answer-expected-grid = an object of statement id to option code
answer-expected-number = a number
answer-expected-text = a string
answer-option-not-offered = Select one of the options given
answer-options-not-offered = Select only the options given
answer-exclusive = Select ‘{ $option }’ on its own, or other options without it
answer-too-many = Select no more than { $max } options
answer-too-few = Select at least { $min } options
answer-unknown-item = There is no such statement in this question
answer-item-option-not-offered = Select one of the options given for ‘{ $item }’
answer-whole-number-like = Enter a whole number, like 12
answer-number-like = Enter a number, like 12 or 3.5
answer-whole-number = Enter a whole number
answer-between = Enter a number between { $min } and { $max }{ $unit }
answer-at-least = Enter a number of at least { $min }{ $unit }
answer-at-most = Enter a number no more than { $max }{ $unit }
answer-smaller = Enter a smaller number
answer-null-character = Remove the null character from your answer
answer-too-long = Your answer must be { $max } characters or fewer (it has { $length })

## Dates (the day, the month's name and the year)

date = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }

## The server's front page

home-title = Surveys run with fieldwork
home-take-part = To take part in a survey, use the link in your invitation, or the link the researchers shared with you.
home-withdraw = To see or withdraw answers you sent, follow the survey's link and choose “See or withdraw answers you have already sent”: you will need the receipt code from your confirmation page.
home-researchers = Researchers can sign in to manage their surveys.
home-sign-in = Sign in as a researcher

## Opting out of a survey's emails

opt-out-title = Stop emails about this survey
opt-out-body = You were invited by email to take part in { $title }. If you do not want any more invitations or reminders about it, press the button. You do not need to sign in.
opted-out-title = You will get no more emails about this survey
opted-out-stopped = We have stopped every invitation and reminder about this survey to your address.
opted-out-link-works = Your invitation link still works if you change your mind and want to take part.
