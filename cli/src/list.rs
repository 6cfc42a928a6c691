//! `mdca <entity> [list options]`: stream a list to stdout page by page.

use std::io::{self, BufWriter};
use std::path::Path;
use std::time::Instant;

use mdca::client::Client;
use mdca::entity::EntityKind;
use mdca::error::{Error, Result};
use mdca::pager::{Pager, Progress, QueryRequest, SortDirection};

use crate::args::{ListArgs, OutputFormat, SortDirection as SortArg};
use crate::checkpoint;
use crate::interrupt;
use crate::output::{self, CsvOptions};
use crate::progress::{self, Bar};
use crate::Ui;

pub async fn run(
    client: &Client,
    kind: EntityKind,
    args: &ListArgs,
    scan: Option<bool>,
    ui: &Ui,
) -> Result<()> {
    if (!args.columns.is_empty() || args.csv_formulas) && args.format != OutputFormat::Csv {
        return Err(Error::invalid_argument(
            "--columns and --csv-formulas apply to --format csv only",
        ));
    }
    let mut request = QueryRequest::new();
    request.filters = crate::input::list_filters(kind, args.filter.as_deref(), &args.wheres)?;
    request.sort_field = args.sort_field.clone();
    request.sort_direction = args.sort_direction.map(|d| match d {
        SortArg::Asc => SortDirection::Asc,
        SortArg::Desc => SortDirection::Desc,
    });
    request.page_size = args.page_size;
    request.first = args.first;
    request.skip = args.skip;
    request.all = args.all;
    request.scan = scan;
    request.lookback_secs = args.lookback;
    let checkpoint = args.checkpoint.as_deref();
    let mut pager = match checkpoint {
        Some(path) => resume(client, kind, request, path)?,
        None => client.query(kind, request)?,
    };

    let long = args.all
        || args
            .first
            .is_some_and(|n| n > u64::from(pager.request_limit()));
    let bar = Bar::start(long && ui.progress_bar, pager.progress_handle(), args.first);
    let watcher = interrupt::cancel_on_ctrl_c(pager.cancel_handle());
    let started = Instant::now();
    let csv = CsvOptions {
        neutralise_formulas: !args.csv_formulas,
    };
    let mut out = output::writer(
        args.format,
        args.columns.clone(),
        csv,
        BufWriter::with_capacity(1 << 16, io::stdout()),
    );

    let result = loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                if let Err(e) = out.write_page(page.records()) {
                    break output_error(e);
                }
                // Saved only once every record handed over is on stdout: a stop at any instant
                // after this neither loses nor repeats a record on resume.
                if let Some(path) = checkpoint.filter(|_| out.pending() == 0) {
                    if let Err(e) = checkpoint::save(path, &pager.checkpoint()) {
                        break Err(e);
                    }
                }
            }
            Ok(None) => {
                break out
                    .finish()
                    .or_else(output_error)
                    .and_then(|()| save_final(checkpoint, &pager))
            }
            // A truncated pull must not look complete: the JSON array is left open, NDJSON ends with
            // a line that is not a record — unless a checkpoint says where the next run continues.
            Err(e) => {
                // Rows a CSV writer held back are written, so the checkpoint can cover them.
                let flushed = out.flush_pending().or_else(output_error);
                // Nothing written is nothing to mistake for a list (and `--ids-from` refuses it).
                if checkpoint.is_none() && pager.progress().records > 0 {
                    // A closed stdout has no reader left to warn.
                    let _ = out.mark_incomplete(&format!("{} ({})", e.message(), e.kind()));
                }
                if flushed.is_ok() {
                    if let Some(path) = checkpoint {
                        if checkpoint::save(path, &pager.checkpoint()).is_ok() {
                            eprintln!(
                                "mdca: the position after {} records is saved in {}: the same command continues from there",
                                pager.progress().records,
                                path.display()
                            );
                        }
                    }
                }
                break Err(e);
            }
        }
    };
    watcher.abort();
    bar.finish();
    for warning in out.warnings() {
        eprintln!("mdca: warning: {warning}");
    }
    let progress = pager.progress();
    if result.is_ok() {
        if let Some(missing) = progress.shortfall {
            eprintln!("mdca: warning: {}", shortfall_warning(&progress, missing));
        }
    }
    if ui.verbose > 0 {
        eprintln!("{}", progress::summary(&progress, started.elapsed()));
    }
    result
}

/// The pager for `--checkpoint FILE`: a new pull when the file is absent or empty, else the pull it
/// describes continued (or, completed, re-run incrementally).
fn resume(client: &Client, kind: EntityKind, request: QueryRequest, path: &Path) -> Result<Pager> {
    checkpoint::check_dir(path)?;
    let Some(saved) = checkpoint::load(path)? else {
        return client.query(kind, request);
    };
    let fresh = request.clone();
    match client.query(kind, request.resume(saved)) {
        Ok(pager) => Ok(pager),
        // The query itself is fine: it is the checkpoint that does not fit it.
        Err(e) if client.query(kind, fresh).is_ok() => Err(Error::invalid_argument(format!(
            "--checkpoint {}: {}",
            path.display(),
            e.message()
        ))
        .with_hint(
            "run the same command (entity, filters, sort, --first, --skip, --all) as the one that \
             wrote the file, or give another file (or delete this one) to start a new pull",
        )),
        Err(e) => Err(e),
    }
}

/// After the last page: the completed pull's checkpoint, from which the next run is incremental.
fn save_final(checkpoint: Option<&Path>, pager: &Pager) -> Result<()> {
    match checkpoint {
        Some(path) => checkpoint::save(path, &pager.checkpoint()),
        None => Ok(()),
    }
}

fn shortfall_warning(progress: &Progress, missing: u64) -> String {
    format!(
        "the server announced {} records at the start of the pull and {} came back ({missing} fewer). \
         Records that left the result set while the pull ran (alerts closed, files deleted) or an \
         approximate total explain a small difference; run the same command again (with --checkpoint, \
         only what changed) if you need them",
        progress.records + missing,
        progress.records
    )
}

/// A closed stdout (`mdca … | head`) ends the command quietly and successfully; dropping the pager
/// abandons the pull. Any other write failure is reported.
pub fn output_error(e: io::Error) -> Result<()> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(Error::internal(format!("cannot write to stdout: {e}")))
    }
}
