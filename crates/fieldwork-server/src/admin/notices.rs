//! Notices shown once after a redirect, carried in a short-lived cookie.

use actix_web::HttpRequest;

use crate::AppState;
use fieldwork_analysis::format::thousands;

/// A one-off cookie carrying what the page after a redirect should announce (a GOV.UK
/// notification banner). Short-lived, and only the kind and a slug: nothing a forged one
/// could use, and the server keeps no state for it.
const NOTICE_COOKIE: &str = "fieldwork_notice";

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Notice {
    Deleted { slug: String, responses: i64 },
    PasswordChanged { sessions_ended: i64 },
    PledgeDecided { approved: bool },
}

impl Notice {
    fn encode(&self) -> String {
        match self {
            Notice::Deleted { slug, responses } => format!("deleted:{slug}:{responses}"),
            Notice::PasswordChanged { sessions_ended } => format!("password:{sessions_ended}"),
            Notice::PledgeDecided { approved: true } => "pledge:approved".into(),
            Notice::PledgeDecided { approved: false } => "pledge:rejected".into(),
        }
    }

    fn decode(value: &str) -> Option<Self> {
        let slug_like = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        };
        let mut parts = value.split(':');
        let notice = match (parts.next()?, parts.next(), parts.next()) {
            ("deleted", Some(slug), Some(n)) if slug_like(slug) => Notice::Deleted {
                slug: slug.to_owned(),
                responses: n.parse().ok()?,
            },
            ("password", Some(n), None) => Notice::PasswordChanged {
                sessions_ended: n.parse().ok()?,
            },
            ("pledge", Some("approved"), None) => Notice::PledgeDecided { approved: true },
            ("pledge", Some("rejected"), None) => Notice::PledgeDecided { approved: false },
            _ => return None,
        };
        parts.next().is_none().then_some(notice)
    }

    fn view(&self) -> NoticeView {
        match self {
            Notice::Deleted { slug, responses } => NoticeView {
                heading: format!("Survey {slug} has been deleted"),
                body: format!(
                    "Its {} response{}, invitations, access and published report were removed. The audit log keeps its entries.",
                    thousands((*responses).max(0) as u64),
                    if *responses == 1 { "" } else { "s" }
                ),
            },
            Notice::PasswordChanged { sessions_ended } => NoticeView {
                heading: "Your password has been changed".into(),
                body: match sessions_ended {
                    0 => "You were not signed in anywhere else.".into(),
                    1 => "You have been signed out of 1 other session.".into(),
                    n => format!("You have been signed out of {n} other sessions."),
                },
            },
            Notice::PledgeDecided { approved: true } => NoticeView {
                heading: "The pledge has been approved".into(),
                body: "It is on the pledges page of the published report.".into(),
            },
            Notice::PledgeDecided { approved: false } => NoticeView {
                heading: "The pledge has been rejected".into(),
                body: "It will not be published. The audit log keeps your reason.".into(),
            },
        }
    }
}

#[derive(Debug, Clone)]
pub(super) struct NoticeView {
    pub(super) heading: String,
    pub(super) body: String,
}

pub(super) fn notice_cookie(
    state: &AppState,
    notice: &Notice,
) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(NOTICE_COOKIE, notice.encode())
        .path("/admin")
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(actix_web::cookie::SameSite::Strict)
        .max_age(actix_web::cookie::time::Duration::seconds(60))
        .finish()
}

/// The notice the browser carries, if any, and the cookie that removes it once shown.
pub(super) fn take_notice(
    state: &AppState,
    req: &HttpRequest,
) -> Option<(NoticeView, actix_web::cookie::Cookie<'static>)> {
    let cookie = req.cookie(NOTICE_COOKIE)?;
    let mut removal = notice_cookie(state, &Notice::PasswordChanged { sessions_ended: 0 });
    removal.make_removal();
    Some((Notice::decode(cookie.value())?.view(), removal))
}

#[cfg(test)]
mod tests {
    use super::Notice;

    #[test]
    fn notices_round_trip_and_anything_else_is_ignored() {
        for notice in [
            Notice::Deleted {
                slug: "digital-leadership".into(),
                responses: 1234,
            },
            Notice::PasswordChanged { sessions_ended: 2 },
            Notice::PledgeDecided { approved: true },
            Notice::PledgeDecided { approved: false },
        ] {
            assert_eq!(Notice::decode(&notice.encode()), Some(notice));
        }
        for forged in [
            "",
            "deleted",
            "deleted:<script>:1",
            "deleted:x:many",
            "deleted:x:1:more",
            "password:",
            "password:1:2",
            "pledge:",
            "pledge:maybe",
            "pledge:approved:1",
            "other:1",
        ] {
            assert_eq!(Notice::decode(forged), None, "{forged}");
        }
    }
}
