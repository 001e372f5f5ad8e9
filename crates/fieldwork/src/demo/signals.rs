//! Ctrl-C and SIGTERM: stop at the next safe point, or at once on a second one.

use anyhow::{Context, Result};

use super::Interrupted;

/// Ctrl-C (or SIGTERM) asks the demo to stop at the next safe point; a second one stops it
/// at once.
#[derive(Debug, Clone)]
pub(super) struct StopSignal(tokio::sync::watch::Receiver<bool>);

impl StopSignal {
    pub(super) fn install() -> Result<Self> {
        use actix_web::rt::signal::unix::{signal, SignalKind};
        let (sender, receiver) = tokio::sync::watch::channel(false);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before any work starts, so no Ctrl-C can kill the process outright.
        let (mut interrupt, mut terminate) = {
            let _entered = runtime.enter();
            (
                signal(SignalKind::interrupt()).context("cannot handle Ctrl-C")?,
                signal(SignalKind::terminate()).context("cannot handle SIGTERM")?,
            )
        };
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                runtime.block_on(async move {
                    loop {
                        tokio::select! {
                            _ = interrupt.recv() => {}
                            _ = terminate.recv() => {}
                        }
                        if *sender.borrow() {
                            eprintln!("stopping now");
                            std::process::exit(130);
                        }
                        eprintln!(
                            "stopping: finishing what is in flight (Ctrl-C again to stop at once)"
                        );
                        let _ = sender.send(true);
                    }
                })
            })?;
        Ok(StopSignal(receiver))
    }

    pub(super) fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// An error if a stop was asked for: call between steps.
    pub(super) fn check(&self) -> Result<()> {
        if self.requested() {
            Err(Interrupted.into())
        } else {
            Ok(())
        }
    }

    pub(super) async fn wait(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}
