//! Progress bars on the terminal.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress bars on the terminal, unless standard output is not one or `--quiet`.
#[derive(Debug)]
pub(super) struct Progress {
    visible: bool,
}

impl Progress {
    pub(super) fn new(quiet: bool) -> Self {
        Progress {
            visible: !quiet && std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
        }
    }

    pub(super) fn bar(&self, length: u64, message: &'static str) -> ProgressBar {
        let bar = ProgressBar::with_draw_target(Some(length), self.target());
        bar.set_style(
            ProgressStyle::with_template(
                "{msg:24} [{bar:40}] {human_pos}/{human_len} ({per_sec:0}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_message(message);
        bar
    }

    pub(super) fn spinner(&self, message: &'static str) -> ProgressBar {
        let spinner = ProgressBar::with_draw_target(None, self.target());
        spinner.set_message(message);
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }

    fn target(&self) -> ProgressDrawTarget {
        if self.visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        }
    }
}
