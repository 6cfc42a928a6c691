//! One function per command: what it asks the library and what it prints.

use std::io::{self, Write};

use mdca::actions::{
    checked_action_filter, AlertSelection, CloseAlerts, CloseAs, PartialClose, RawRequest,
    SubnetSpec,
};
use mdca::client::Client;
use mdca::entity::EntityKind;
use mdca::error::{Error, Result};
use mdca::pager::QueryRequest;
use mdca::params::CLOSE_KINDS;
use serde_json::{json, Value};

use crate::args::*;
use crate::input::{ids_from, json_arg};
use crate::interrupt::or_ctrl_c;
use crate::list::{self, output_error};
use crate::output::write_compact;
use crate::Ui;

pub async fn run(client: &Client, command: &Command, ui: &Ui) -> Result<()> {
    match command {
        Command::Activities(cmd) => match &cmd.action {
            None => activity_list(client, &cmd.list, ui).await,
            Some(ActivitiesAction::List(args)) => activity_list(client, args, ui).await,
            Some(ActivitiesAction::Get(args)) => get(client, EntityKind::Activities, args).await,
            Some(ActivitiesAction::Feedback(args)) => feedback(client, args).await,
        },
        Command::Alerts(cmd) => match &cmd.action {
            None => list::run(client, EntityKind::Alerts, &cmd.list, None, ui).await,
            Some(AlertsAction::List(args)) => {
                list::run(client, EntityKind::Alerts, args, None, ui).await
            }
            Some(AlertsAction::Get(args)) => get(client, EntityKind::Alerts, args).await,
            Some(AlertsAction::Close(args)) => close(client, args, ui).await,
            Some(AlertsAction::Read(args)) => mark_read(client, args, true).await,
            Some(AlertsAction::Unread(args)) => mark_read(client, args, false).await,
        },
        Command::Files(cmd) => match &cmd.action {
            None => list::run(client, EntityKind::Files, &cmd.list, None, ui).await,
            Some(FilesAction::List(args)) => {
                list::run(client, EntityKind::Files, args, None, ui).await
            }
            Some(FilesAction::Get(args)) => get(client, EntityKind::Files, args).await,
        },
        Command::Entities(cmd) => match &cmd.action {
            None => list::run(client, EntityKind::Entities, &cmd.list, None, ui).await,
            Some(EntitiesAction::List(args)) => {
                list::run(client, EntityKind::Entities, args, None, ui).await
            }
            Some(EntitiesAction::Get(args)) => get(client, EntityKind::Entities, args).await,
            Some(EntitiesAction::Tree(args)) => {
                print_text(or_ctrl_c(client.entity_tree_text(&args.pk)).await?.get())
            }
        },
        Command::Subnets(cmd) => match &cmd.action {
            None => list::run(client, EntityKind::Subnets, &cmd.list, None, ui).await,
            Some(SubnetsAction::List(args)) => {
                list::run(client, EntityKind::Subnets, args, None, ui).await
            }
            Some(SubnetsAction::Get(args)) => get(client, EntityKind::Subnets, args).await,
            Some(SubnetsAction::Create(args)) => {
                let id = or_ctrl_c(client.create_subnet(&subnet_spec(args))).await?;
                print_line(&id)
            }
            Some(SubnetsAction::Update(args)) => {
                or_ctrl_c(client.update_subnet(&args.id, &subnet_spec(&args.spec))).await
            }
            Some(SubnetsAction::Delete(args)) => {
                for id in collect_ids(args)? {
                    or_ctrl_c(client.delete_subnet(&id)).await?;
                }
                Ok(())
            }
        },
        Command::Discovery(cmd) => crate::discovery::run(client, cmd, ui).await,
        Command::Request(args) => request(client, args).await,
    }
}

async fn activity_list(client: &Client, args: &ActivityListArgs, ui: &Ui) -> Result<()> {
    list::run(client, EntityKind::Activities, &args.list, args.scan(), ui).await
}

/// Fetches each id in turn, one JSON line each, as the server sent it (key order included, like list
/// output); the first failure stops the command.
async fn get(client: &Client, kind: EntityKind, args: &GetArgs) -> Result<()> {
    for id in &args.ids {
        let record = or_ctrl_c(client.fetch_text(kind, id)).await?;
        print_text(record.get())?;
    }
    Ok(())
}

async fn close(client: &Client, args: &CloseArgs, ui: &Ui) -> Result<()> {
    let selection = match &args.filter {
        Some(filter) => AlertSelection::Filter(mdca::filter::raw(json_arg(filter, "--filter")?)?),
        None => {
            let mut ids = args.ids.clone();
            if let Some(path) = &args.ids_from {
                ids.extend(ids_from(path)?);
            }
            if ids.is_empty() {
                return Err(Error::invalid_argument("no alerts selected")
                    .with_hint("pass --id ID (repeatable), --ids-from FILE|- or --filter JSON"));
            }
            AlertSelection::Ids(ids)
        }
    };
    let close_as = match args.verdict {
        CloseVerdict::Benign => CloseAs::Benign,
        CloseVerdict::FalsePositive => CloseAs::FalsePositive,
        CloseVerdict::TruePositive => CloseAs::TruePositive,
    };
    let mut options = CloseAlerts::new(close_as);
    options.comment = args.comment.clone();
    options.reason_id = args
        .reason
        .as_deref()
        .map(|r| reason_id(args.verdict, r))
        .transpose()?;
    options.send_feedback = args.send_feedback;
    options.feedback_text = args.feedback_text.clone();
    options.allow_contact = args.allow_contact;
    options.contact_email = args.contact_email.clone();
    if args.dry_run {
        return close_dry_run(client, &selection, close_as).await;
    }
    let outcome = match or_ctrl_c(client.close_alerts(selection, options)).await {
        Ok(outcome) => outcome,
        Err(e) => {
            if ui.error_format == ErrorFormat::Text {
                // The JSON error form carries the same in its detail.
                report_partial_close(&e);
            }
            return Err(e);
        }
    };
    print_json(&json!({"closed": outcome.closed, "not_found": outcome.not_found}))
}

/// After a close that failed part-way, says on stderr which alerts are closed and which may not be, one
/// id per line after a count, before the error line itself.
fn report_partial_close(e: &Error) {
    let Some(partial) = PartialClose::from_error(e) else {
        return;
    };
    let mut err = io::stderr().lock();
    let _ = writeln!(
        err,
        "mdca: {} of {} alerts were closed before the failure:",
        partial.closed_ids.len(),
        partial.requested
    );
    for id in &partial.closed_ids {
        let _ = writeln!(err, "  closed {id}");
    }
    if !partial.not_found.is_empty() {
        let _ = writeln!(err, "mdca: {} ids were not found:", partial.not_found.len());
        for id in &partial.not_found {
            let _ = writeln!(err, "  not-found {id}");
        }
    }
    let _ = writeln!(
        err,
        "mdca: {} alerts may not be closed (closing them again is harmless):",
        partial.not_closed_ids.len()
    );
    for id in &partial.not_closed_ids {
        let _ = writeln!(err, "  not-closed {id}");
    }
}

/// What `close` would do, without doing it: the number of distinct ids, or the server's count of
/// alerts matching the filter (one list request of one record).
async fn close_dry_run(
    client: &Client,
    selection: &AlertSelection,
    close_as: CloseAs,
) -> Result<()> {
    let verdict = match close_as {
        CloseAs::Benign => "benign",
        CloseAs::FalsePositive => "false_positive",
        CloseAs::TruePositive => "true_positive",
    };
    let count = match selection {
        AlertSelection::Ids(ids) => {
            ids.iter().collect::<std::collections::HashSet<_>>().len() as u64
        }
        AlertSelection::Filter(filter) => {
            // The same check as the close itself, so a dry run says what the close would refuse.
            let filter = checked_action_filter(EntityKind::Alerts, filter, "close")?;
            let mut request = QueryRequest::new();
            request.filters = Some(filter);
            request.page_size = Some(1);
            let mut pager = client.query(EntityKind::Alerts, request)?;
            let page = or_ctrl_c(pager.next_page()).await?;
            page.and_then(|p| p.total()).unwrap_or(0)
        }
    };
    print_json(&json!({"dry_run": true, "as": verdict, "alerts": count}))
}

/// A reason given by name (`too-many-similar-alerts`, any case or separator) or by number, checked
/// against the library's table of documented reasons for the verdict (api.md §7).
fn reason_id(verdict: CloseVerdict, reason: &str) -> Result<u8> {
    let wire = match verdict {
        CloseVerdict::Benign => "benign",
        CloseVerdict::FalsePositive => "false_positive",
        CloseVerdict::TruePositive => "true_positive",
    };
    let kind = CLOSE_KINDS
        .iter()
        .find(|k| k.wire == wire)
        .expect("every verdict is in the table");
    let squash = |s: &str| s.replace(['-', '_', ' '], "").to_ascii_lowercase();
    let wanted = squash(reason);
    kind.reasons
        .iter()
        .find(|(name, code)| squash(name) == wanted || code.to_string() == wanted)
        .and_then(|(_, code)| u8::try_from(*code).ok())
        .ok_or_else(|| {
            let known = kind
                .reasons
                .iter()
                .map(|(n, c)| format!("{n} ({c})"))
                .collect::<Vec<_>>();
            if known.is_empty() {
                Error::invalid_argument(
                    "closing as true positive takes no --reason (docs/api.md §7)",
                )
            } else {
                Error::invalid_argument(format!(
                    "--reason {reason:?} is not one of {}",
                    known.join(", ")
                ))
            }
        })
}

async fn mark_read(client: &Client, args: &IdsArgs, read: bool) -> Result<()> {
    for id in collect_ids(args)? {
        or_ctrl_c(client.set_alert_read(&id, read)).await?;
    }
    Ok(())
}

fn collect_ids(args: &IdsArgs) -> Result<Vec<String>> {
    let mut ids = args.ids.clone();
    if let Some(path) = &args.ids_from {
        ids.extend(ids_from(path)?);
    }
    if ids.is_empty() {
        return Err(Error::invalid_argument("no ids given"));
    }
    Ok(ids)
}

async fn feedback(client: &Client, args: &FeedbackArgs) -> Result<()> {
    // Field names as in the documented sample (api.md §6, §14 rule 24).
    let mut body = json!({"feedbackValue": args.value, "allowContact": args.allow_contact});
    if let Some(text) = &args.text {
        body["feedbackText"] = json!(text);
    }
    if let Some(email) = &args.contact_email {
        body["contactEmail"] = json!(email);
    }
    let answer = or_ctrl_c(client.activity_feedback_body(&args.id, body)).await?;
    print_body(&answer)
}

fn subnet_spec(args: &SubnetArgs) -> SubnetSpec {
    SubnetSpec {
        name: args.name.clone(),
        category: args.category,
        subnets: args.subnets.clone(),
        organization: args.organization.clone(),
        tags: args.tags.clone(),
    }
}

async fn request(client: &Client, args: &RequestArgs) -> Result<()> {
    let mut request = RawRequest::new(args.method.as_str(), args.path.as_str());
    request.query = args.query.clone();
    request.body = args
        .body
        .as_deref()
        .map(|b| json_arg(b, "--body"))
        .transpose()?;
    if args.idempotent {
        request.idempotent = Some(true);
    }
    let body = or_ctrl_c(client.raw_body(request)).await?;
    print_body(&body)
}

/// An answer body on one line: JSON as the server wrote it, `null` for an empty body, and any other
/// text (the discovery block script) as a JSON string.
fn print_body(body: &[u8]) -> Result<()> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return print_text("null");
    }
    match std::str::from_utf8(body) {
        Ok(text) if serde_json::from_str::<&serde_json::value::RawValue>(text).is_ok() => {
            print_text(text)
        }
        _ => print_json(&Value::String(String::from_utf8_lossy(body).into_owned())),
    }
}

/// JSON text on one line of stdout, its bytes untouched but for whitespace between tokens.
fn print_text(json: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    write_compact(&mut out, json)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .or_else(output_error)
}

/// One JSON value on one line of stdout.
fn print_json(value: &Value) -> Result<()> {
    let text = serde_json::to_string(value)
        .map_err(|e| Error::internal(format!("cannot encode the answer: {e}")))?;
    let mut out = io::stdout().lock();
    write_compact(&mut out, &text)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .or_else(output_error)
}

fn print_line(text: &str) -> Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .or_else(output_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_reasons_accept_documented_names_and_numbers_per_verdict() {
        assert_eq!(
            reason_id(CloseVerdict::Benign, "triggered-by-test").unwrap(),
            6
        );
        assert_eq!(
            reason_id(CloseVerdict::Benign, "ActualSeverityIsLower").unwrap(),
            2
        );
        assert_eq!(
            reason_id(CloseVerdict::FalsePositive, "too_many_similar_alerts").unwrap(),
            1
        );
        assert_eq!(reason_id(CloseVerdict::FalsePositive, "0").unwrap(), 0);
        assert!(
            reason_id(CloseVerdict::Benign, "0").is_err(),
            "0 is a false-positive reason only"
        );
        assert!(reason_id(CloseVerdict::TruePositive, "other").is_err());
    }
}
