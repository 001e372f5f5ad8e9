//! Sending the synthetic respondents through the real server: the API, and the pages as a browser would.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use fieldwork_store::Store;
use fieldwork_survey::SurveyDefinition;
use indicatif::ProgressBar;
use serde_json::Value;

use super::plan::Fate;
use super::plan::Respondent;
use super::progress::Progress;
use super::signals::StopSignal;
use super::Interrupted;
use super::CONCURRENCY;

/// What the submission did.
#[derive(Debug, Default)]
struct Submitted {
    complete: AtomicUsize,
    partial: AtomicUsize,
    withdrawn: AtomicUsize,
}

/// Send every respondent's answers to a real server on a loopback port (rate limit off):
/// complete ones to the JSON API, the others through the web journey.
pub(super) fn submit(
    store: &Arc<Store>,
    definition: &SurveyDefinition,
    respondents: &[Respondent],
    seed: u64,
    progress: &Progress,
    stop: &StopSignal,
) -> Result<()> {
    let server = fieldwork_server::spawn(
        Arc::clone(store),
        "127.0.0.1:0",
        fieldwork_server::ServerConfig {
            rate_per_second: 0.0,
            stop_on_signals: false,
            ..Default::default()
        },
    )
    .context("cannot start the server")?;
    let base = format!("http://{}", server.addr());
    let bar = progress.bar(respondents.len() as u64, "Submitting over HTTP");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let submitted = Submitted::default();
    let result = runtime.block_on(submit_all(
        &base,
        definition,
        respondents,
        seed,
        &bar,
        stop,
        &submitted,
    ));
    // Whatever happened, the requests in flight have finished: stop the server gracefully.
    drop(runtime);
    server.stop()?;
    bar.finish_and_clear();
    let (complete, partial, withdrawn) = (
        submitted.complete.load(Ordering::Relaxed),
        submitted.partial.load(Ordering::Relaxed),
        submitted.withdrawn.load(Ordering::Relaxed),
    );
    let done = complete + partial + withdrawn;
    result?;
    if stop.requested() {
        println!(
            "  stopped after {done} of {} respondents; every response acknowledged is stored",
            respondents.len()
        );
        return Err(Interrupted.into());
    }
    println!(
        "  submitted {done} respondents over HTTP: {complete} complete (JSON API), {partial} saved part-way and {withdrawn} submitted then withdrawn (web form)"
    );
    Ok(())
}

async fn submit_all(
    base: &str,
    definition: &SurveyDefinition,
    respondents: &[Respondent],
    seed: u64,
    bar: &ProgressBar,
    stop: &StopSignal,
    submitted: &Submitted,
) -> Result<()> {
    let api = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()?;
    let next = AtomicUsize::new(0);
    let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    // The workers borrow all this; they run on this task, so nothing needs to be 'static.
    let (api, next, failure_ref) = (&api, &next, &failure);
    let worker = move || async move {
        let failure = failure_ref;
        loop {
            if stop.requested() || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                return;
            }
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(respondent) = respondents.get(i) else {
                return;
            };
            let outcome = match respondent.fate {
                Fate::Complete => post_api(api, base, definition, respondent, seed, i)
                    .await
                    .map(|()| &submitted.complete),
                Fate::Partial(questions) => journey(base, definition, respondent, Some(questions))
                    .await
                    .map(|_| &submitted.partial),
                Fate::Withdrawn => async {
                    let (client, csrf, receipt) =
                        journey(base, definition, respondent, None).await?;
                    withdraw(&client, base, &definition.slug, &csrf, &receipt).await
                }
                .await
                .map(|()| &submitted.withdrawn),
            };
            match outcome {
                Ok(counter) => {
                    counter.fetch_add(1, Ordering::Relaxed);
                    bar.inc(1);
                }
                Err(error) => {
                    if let Ok(mut failure) = failure.lock() {
                        failure.get_or_insert(error);
                    }
                    return;
                }
            }
        }
    };
    let workers: Vec<_> = (0..CONCURRENCY).map(|_| worker()).collect();
    futures_util::future::join_all(workers).await;
    match failure.into_inner().ok().flatten() {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

async fn post_api(
    client: &reqwest::Client,
    base: &str,
    definition: &SurveyDefinition,
    respondent: &Respondent,
    seed: u64,
    i: usize,
) -> Result<()> {
    let body = serde_json::json!({
        "answers": respondent.answers,
        "invitation": respondent.token,
    });
    let response = client
        .post(format!(
            "{base}/api/v1/surveys/{}/responses",
            definition.slug
        ))
        .header("Idempotency-Key", format!("demo-{seed}-{i}"))
        .json(&body)
        .send()
        .await
        .context("the API did not answer")?;
    let status = response.status();
    if status != reqwest::StatusCode::CREATED {
        let text = response.text().await.unwrap_or_default();
        bail!("the API refused a synthetic response ({status}): {text}");
    }
    Ok(())
}

/// A respondent's visit to the web form with their invitation link. With `save_after`, they
/// answer that many questions and then "Save and come back later"; without, they answer
/// everything and submit. Returns their browser (cookies), CSRF token and, once submitted,
/// receipt code.
pub(super) async fn journey(
    base: &str,
    definition: &SurveyDefinition,
    respondent: &Respondent,
    save_after: Option<usize>,
) -> Result<(reqwest::Client, String, String)> {
    let slug = &definition.slug;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let start = page(
        client
            .get(format!("{base}/s/{slug}"))
            .query(&[("invite", &respondent.token)]),
    )
    .await?;
    let csrf = hidden_value(&start.1, "csrf_token").context("no CSRF token on the start page")?;
    // The respondent reads the participant information and agrees to every statement.
    let mut start_form = vec![
        ("csrf_token", csrf.as_str()),
        ("invite", respondent.token.as_str()),
    ];
    start_form.extend(
        definition
            .consent_statements()
            .map(|statement| ("consent", statement.id.as_str())),
    );
    let mut current = page(
        client
            .post(format!("{base}/s/{slug}/start"))
            .form(&start_form),
    )
    .await?;
    let question_prefix = format!("/s/{slug}/q/");
    let mut answered = 0;
    loop {
        let path = current.0.path().to_owned();
        let Some(question_id) = path.strip_prefix(&question_prefix) else {
            break;
        };
        let question = definition
            .questions()
            .find(|q| q.id == question_id)
            .with_context(|| format!("the form asked an unknown question {path}"))?;
        let mut fields = vec![("csrf_token".to_owned(), csrf.clone())];
        fields.extend(form_fields(
            &question.id,
            respondent.answers.get(&question.id),
        ));
        answered += 1;
        let saving = save_after == Some(answered);
        fields.push((
            "action".to_owned(),
            if saving { "save" } else { "continue" }.to_owned(),
        ));
        current = page(client.post(format!("{base}{path}")).form(&fields)).await?;
        if saving {
            if !current.1.contains("resume?code=") {
                bail!("saving answers on {path} did not give a resume link");
            }
            return Ok((client, csrf, String::new()));
        }
    }
    if save_after.is_some() {
        // Fewer questions were asked than planned: every answer is saved as it is given.
        return Ok((client, csrf, String::new()));
    }
    if !current.0.path().ends_with("/check") {
        bail!("the form went to {} instead of the check page", current.0);
    }
    let done = page(
        client
            .post(format!("{base}/s/{slug}/submit"))
            .form(&[("csrf_token", csrf.as_str())]),
    )
    .await?;
    let receipt = between(&done.1, "class=\"fieldwork-receipt\">", "<")
        .context("no receipt code on the confirmation page")?;
    Ok((client, csrf, receipt))
}

pub(super) async fn withdraw(
    client: &reqwest::Client,
    base: &str,
    slug: &str,
    csrf: &str,
    receipt: &str,
) -> Result<()> {
    let (_, body) = page(
        client
            .post(format!("{base}/s/{slug}/withdraw"))
            .form(&[("csrf_token", csrf), ("receipt", receipt)]),
    )
    .await?;
    if !body.contains("Your answers have been withdrawn") {
        bail!("withdrawing with the receipt code did not work");
    }
    Ok(())
}

/// Send a request (redirects followed); the final URL and the page, which must be a 200.
pub(super) async fn page(request: reqwest::RequestBuilder) -> Result<(reqwest::Url, String)> {
    let response = request.send().await.context("the server did not answer")?;
    let (status, url) = (response.status(), response.url().clone());
    let body = response
        .text()
        .await
        .context("the page could not be read")?;
    if status != reqwest::StatusCode::OK {
        let heading = between(&body, "<h1", "</h1>").unwrap_or_default();
        bail!("{url} answered {status}: {heading}");
    }
    Ok((url, body))
}

/// The form fields that give `value` as the answer to question `id` (none: left blank).
pub(super) fn form_fields(id: &str, value: Option<&Value>) -> Vec<(String, String)> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(code)) => vec![(id.to_owned(), code.clone())],
        Some(Value::Number(number)) => vec![(id.to_owned(), number.to_string())],
        Some(Value::Bool(b)) => vec![(id.to_owned(), b.to_string())],
        Some(Value::Array(codes)) => codes
            .iter()
            .filter_map(Value::as_str)
            .map(|code| (id.to_owned(), code.to_owned()))
            .collect(),
        Some(Value::Object(grid)) => grid
            .iter()
            .filter_map(|(item, code)| Some((format!("{id}.{item}"), code.as_str()?.to_owned())))
            .collect(),
    }
}

fn hidden_value(html: &str, name: &str) -> Option<String> {
    between(html, &format!("name=\"{name}\" value=\""), "\"")
}

pub(super) fn between(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let to = text[from..].find(end)?;
    Some(text[from..from + to].to_owned())
}
