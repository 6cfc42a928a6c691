//! `mdca <entity> [list options]`: stream a list to stdout page by page.

use std::io::{self, BufWriter};
use std::time::Instant;

use mdca::client::Client;
use mdca::entity::EntityKind;
use mdca::error::{Error, Result};
use mdca::pager::{QueryRequest, SortDirection};

use crate::args::{ListArgs, OutputFormat, SortDirection as SortArg};
use crate::interrupt;
use crate::output;
use crate::progress::{self, Bar};
use crate::Ui;

pub async fn run(
    client: &Client,
    kind: EntityKind,
    args: &ListArgs,
    scan: Option<bool>,
    ui: &Ui,
) -> Result<()> {
    if !args.columns.is_empty() && args.format != OutputFormat::Csv {
        return Err(Error::invalid_argument(
            "--columns applies to --format csv only",
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
    let mut pager = client.query(kind, request)?;

    let long = args.all
        || args
            .first
            .is_some_and(|n| n > u64::from(pager.request_limit()));
    let bar = Bar::start(long && ui.progress_bar, pager.progress_handle(), args.first);
    let watcher = interrupt::cancel_on_ctrl_c(pager.cancel_handle());
    let started = Instant::now();
    let mut out = output::writer(
        args.format,
        args.columns.clone(),
        BufWriter::with_capacity(1 << 16, io::stdout()),
    );

    let result = loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                if let Err(e) = out.write_page(page.records()) {
                    break output_error(e);
                }
            }
            Ok(None) => break out.finish().or_else(output_error),
            // The JSON array is left open on purpose: a truncated pull must not look complete.
            Err(e) => break Err(e),
        }
    };
    watcher.abort();
    bar.finish();
    if ui.verbose > 0 {
        eprintln!(
            "{}",
            progress::summary(&pager.progress(), started.elapsed())
        );
    }
    result
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
