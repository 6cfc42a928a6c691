//! How a query pages, decided once from the request and the entity table: keyset windows, an activity
//! scan, or plain skip/limit; the page size; `first`/`skip`; the filters with relative dates fixed.

use serde_json::{json, Value};

use super::filters::absolute_dates;
use super::{QueryRequest, SortDirection, DEFAULT_PAGE_SIZE};
use crate::entity::{spec, EntityKind, EntitySpec, KeyField, ScanSpec};
use crate::error::{Error, ErrorKind, Result};
use crate::filter::check_raw;

/// The paging strategy of a pull.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mode {
    /// Plain skip/limit: subnets, and caller sorts other than the window key ascending. Not safe on a
    /// changing tenant (records leaving the result set shift unread ones behind the cursor).
    Skip,
    /// Ascending keyset windows on this key (alerts, files, entities).
    Window(KeyField),
    /// Activity scan mode.
    Scan,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Plan {
    pub(super) spec: &'static EntitySpec,
    pub(super) mode: Mode,
    /// Windows read newest first (see `window_order`).
    pub(super) descending: bool,
    /// `limit` of each request (the most records one request asks for).
    pub(super) limit: u32,
    /// The caller's filters, relative dates made absolute.
    pub(super) filters: Option<Value>,
    pub(super) sort_field: Option<String>,
    pub(super) sort_direction: Option<SortDirection>,
    pub(super) skip: u64,
    /// Records to return in all; `None` means until the end.
    pub(super) wanted: Option<u64>,
    /// A pull of every match (no `first`, no `skip`) on a list with a change key, windowed or scanned:
    /// its completion has a watermark to re-run it incrementally from.
    pub(super) full: bool,
    pub(super) lookback_ms: i64,
    /// The fingerprint parts of the request as the caller gave it.
    pub(super) identity: Value,
}

/// The default look-back of an incremental run (`lookback_secs`).
pub const DEFAULT_LOOKBACK_SECS: u64 = 600;

impl Plan {
    pub(super) fn new(kind: EntityKind, req: &QueryRequest, now_ms: i64) -> Result<Plan> {
        let spec = spec(kind);
        if let Some(filters) = &req.filters {
            check_raw(filters)?;
        }
        if let Some(field) = &req.sort_field {
            if !spec.has_sort_field(field) {
                return Err(Error::invalid_argument(format!(
                    "{kind} cannot be sorted by {field:?}; sort fields are {}",
                    spec.sort_fields.join(", ")
                )));
            }
        }
        if req.page_size == Some(0) {
            return Err(Error::invalid_argument("page_size must be at least 1"));
        }
        let skip = req.skip.unwrap_or(0);
        let cap = spec.page_cap;
        // Records the caller wants: `first`, else everything, else one page.
        let wanted = match (req.first, req.all) {
            (Some(n), _) => Some(n),
            (None, true) => None,
            (None, false) => Some(u64::from(req.page_size.unwrap_or(DEFAULT_PAGE_SIZE))),
        };
        let scan_sort = req.sort_field.as_deref().is_none_or(|f| f == "date")
            && req.sort_direction != Some(SortDirection::Asc);
        let scan = match (req.scan, spec.scan) {
            (Some(true), None) => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!(
                        "scan mode exists for activities only, not for {kind} (docs/api.md §4.4)"
                    ),
                ))
            }
            (Some(true), Some(scan)) => Some(scan),
            (Some(false), _) | (None, None) => None,
            // Activities: skip/limit only reaches `skip + limit <= 5000` (api.md §4.3), and a scan request
            // carries up to 5000 records where a skip/limit one carries 100: anything above one page
            // (bulk pulls, `first` above 100, pages above the cap) goes through scan mode.
            // A pull that needs scan mode with a sort scan cannot give fails in `scan_limit`, saying why.
            (None, Some(scan)) => {
                let needs_scan = req.all
                    || req.page_size.is_some_and(|n| n > cap)
                    || exceeds_window(spec, skip, wanted);
                let more_than_a_page =
                    wanted.is_some_and(|n| skip.saturating_add(n) > u64::from(cap));
                (needs_scan || (scan_sort && more_than_a_page)).then_some(scan)
            }
        };
        let limit = if let Some(scan) = scan {
            scan_limit(kind, scan, cap, req, skip, wanted)?
        } else {
            let size = req.page_size.unwrap_or(DEFAULT_PAGE_SIZE);
            if size > cap {
                return Err(Error::invalid_argument(format!(
                    "page_size {size} is above the {cap} records a {kind} page may carry (docs/api.md §4.3)"
                ))
                .with_hint(if spec.scan.is_some() {
                    "use scan mode (500-5000 records per request) for large activity pulls"
                } else {
                    "use page_size 1-100 and all or first to get more records"
                }));
            }
            if let Some(window) = spec.skip_limit_window {
                if exceeds_window(spec, skip, wanted) {
                    return Err(Error::invalid_argument(format!(
                        "without scan mode {kind} can be paged only within the first {window} records \
                         (skip + limit <= {window}, docs/api.md §4.3)"
                    ))
                    .with_hint("leave scan unset or set it to true for this pull"));
                }
            }
            size
        };
        // One page and no sort asked for: one request, newest first (what `Get-MdcaAlert` or `mdca alerts`
        // is expected to show), with the order stated rather than left to the server's default. Nothing
        // can shift between pages of a one-page query, so windows would add nothing but the oldest records.
        let one_page = !req.all
            && skip == 0
            && wanted.is_some_and(|n| n <= u64::from(limit))
            && req.sort_field.is_none()
            && req.sort_direction.is_none();
        let (mut sort_field, mut sort_direction) = (req.sort_field.clone(), req.sort_direction);
        let mut descending = false;
        let order = spec
            .window
            .and_then(|key| window_order(key, req, wanted.is_some()));
        let mode = if scan.is_some() {
            Mode::Scan
        } else {
            match spec.window {
                Some(key) if one_page => {
                    sort_field = Some(key.sort.to_string());
                    sort_direction = Some(SortDirection::Desc);
                    Mode::Skip
                }
                Some(key) if order.is_some() => {
                    descending = order == Some(SortDirection::Desc);
                    Mode::Window(key)
                }
                _ => {
                    tracing::debug!(
                        entity = kind.name(),
                        sort = ?req.sort_field,
                        "plain skip/limit paging: not safe while the tenant changes (records leaving the \
                         result set shift unread ones behind the cursor)"
                    );
                    Mode::Skip
                }
            }
        };
        let filters = req.filters.as_ref().map(|f| absolute_dates(f, now_ms));
        let full = wanted.is_none() && skip == 0 && mode != Mode::Skip && spec.change.is_some();
        Ok(Plan {
            spec,
            mode,
            descending,
            limit,
            filters,
            sort_field,
            sort_direction,
            skip,
            wanted,
            full,
            lookback_ms: i64::try_from(req.lookback_secs.unwrap_or(DEFAULT_LOOKBACK_SECS))
                .unwrap_or(i64::MAX / 1000)
                .saturating_mul(1000),
            identity: json!({
                "entity": kind.name(),
                "filters": req.filters,
                "sort_field": req.sort_field,
                "sort_direction": req.sort_direction,
                "first": req.first,
                "skip": req.skip,
                "all": req.all,
            }),
        })
    }
}

/// The order of the windows serving a caller who gave no sort, or sorted by the window key with a
/// direction; `None` when windows cannot give the order asked for (plain skip/limit then).
///
/// Without a sort, records come newest first, as one page does and as the API defaults to, wherever that
/// is safe: always for a key that never changes (alerts, files); for a key that moves forward (entities'
/// `lastSeen`) only when the pull wants a number of records (`bounded`), since a record whose key moves
/// past the window would be missed; a pull of every entity reads oldest first, where such a record comes
/// back later in the pull.
fn window_order(key: KeyField, req: &QueryRequest, bounded: bool) -> Option<SortDirection> {
    let desc_safe = !key.moves || bounded;
    let direction = match (req.sort_field.as_deref(), req.sort_direction) {
        (Some(field), _) if field != key.sort => return None,
        (None, None) if desc_safe => SortDirection::Desc,
        (None, None) => SortDirection::Asc,
        (_, Some(direction)) => direction,
        (Some(_), None) => return None,
    };
    (direction == SortDirection::Asc || desc_safe).then_some(direction)
}

fn exceeds_window(spec: &EntitySpec, skip: u64, wanted: Option<u64>) -> bool {
    match (spec.skip_limit_window, wanted) {
        (Some(window), Some(n)) => skip.saturating_add(n) > window,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The `limit` of scan requests, and the checks that only apply to scan mode.
fn scan_limit(
    kind: EntityKind,
    scan: ScanSpec,
    page_cap: u32,
    req: &QueryRequest,
    skip: u64,
    wanted: Option<u64>,
) -> Result<u32> {
    let sorted_otherwise = req
        .sort_field
        .as_deref()
        .is_some_and(|f| f != scan.sort_field)
        || req.sort_direction == Some(SortDirection::Asc);
    if sorted_otherwise {
        return Err(Error::invalid_argument(format!(
            "scan mode returns {kind} newest first: sort must be {} desc (or unset)",
            scan.sort_field
        ))
        .with_hint(
            "set scan to false for another order (skip/limit paging, first 5000 records only)",
        ));
    }
    let range = scan.min_limit..=scan.max_limit;
    match req.page_size {
        Some(size) if range.contains(&size) => Ok(size),
        // A small page size only makes sense with skip/limit; an explicit scan needs a scan-sized one.
        Some(size) if req.scan == Some(true) || size > page_cap => {
            Err(Error::invalid_argument(format!(
            "page_size {size} is outside {}-{} records per request of {kind} scan mode (docs/api.md §4.3)",
            scan.min_limit, scan.max_limit
        )))
        }
        // Ask for what the caller needs when that is known and small, else the largest pages: a bulk pull is
        // bounded by the 30 requests/minute throttle, not by page size.
        _ => Ok(match wanted {
            Some(n) => u32::try_from(skip.saturating_add(n))
                .unwrap_or(u32::MAX)
                .clamp(scan.min_limit, scan.max_limit),
            None => scan.default_limit,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(kind: EntityKind, json: &str) -> Result<Plan> {
        Plan::new(kind, &QueryRequest::from_json(json).unwrap(), 0)
    }

    #[test]
    fn activities_use_scan_above_one_skip_limit_page() {
        let first = plan(EntityKind::Activities, r#"{"first": 100}"#).unwrap();
        assert_eq!(first.mode, Mode::Skip);
        let many = plan(EntityKind::Activities, r#"{"first": 5000}"#).unwrap();
        assert_eq!(many.mode, Mode::Scan, "one request for 5000, not 50");
        assert_eq!(many.limit, 5000);
        assert_eq!(
            plan(EntityKind::Activities, r#"{"all": true}"#)
                .unwrap()
                .mode,
            Mode::Scan
        );
        let beyond = plan(EntityKind::Activities, r#"{"skip": 4990, "first": 20}"#).unwrap();
        assert_eq!(beyond.mode, Mode::Scan);
        assert_eq!(beyond.limit, 5000);
        // A caller order scan mode cannot give stays on skip/limit within its window.
        let sorted = plan(
            EntityKind::Activities,
            r#"{"first": 200, "sort_field": "created", "sort_direction": "desc"}"#,
        )
        .unwrap();
        assert_eq!(sorted.mode, Mode::Skip);
    }

    #[test]
    fn scan_false_cannot_reach_past_the_skip_limit_window() {
        let err = plan(EntityKind::Activities, r#"{"all": true, "scan": false}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    }

    #[test]
    fn alerts_files_and_entities_page_in_windows_unless_the_caller_sorts_otherwise() {
        for kind in [EntityKind::Alerts, EntityKind::Files, EntityKind::Entities] {
            let p = plan(kind, r#"{"all": true}"#).unwrap();
            assert!(matches!(p.mode, Mode::Window(_)), "{kind}");
            assert!(p.full);
            // Newest first where the key never changes; a pull of every entity reads oldest first.
            assert_eq!(p.descending, kind != EntityKind::Entities, "{kind}");
            let some = plan(kind, r#"{"first": 500, "skip": 3}"#).unwrap();
            assert!(matches!(some.mode, Mode::Window(_)), "{kind}");
            assert!(some.descending, "{kind}: a bounded pull reads newest first");
        }
        let asc = plan(
            EntityKind::Files,
            r#"{"all": true, "sort_field": "createdDate", "sort_direction": "asc"}"#,
        )
        .unwrap();
        assert!(matches!(asc.mode, Mode::Window(k) if k.filter == "createdDate"));
        let other = plan(
            EntityKind::Files,
            r#"{"all": true, "sort_field": "modifiedDate", "sort_direction": "asc"}"#,
        )
        .unwrap();
        assert_eq!(other.mode, Mode::Skip);
        assert!(!other.full, "no watermark without windows");
        let desc = plan(
            EntityKind::Alerts,
            r#"{"all": true, "sort_field": "date", "sort_direction": "desc"}"#,
        )
        .unwrap();
        assert!(matches!(desc.mode, Mode::Window(_)) && desc.descending);
        let asc = plan(
            EntityKind::Alerts,
            r#"{"all": true, "sort_direction": "asc"}"#,
        )
        .unwrap();
        assert!(matches!(asc.mode, Mode::Window(_)) && !asc.descending);
        let entities_desc = plan(
            EntityKind::Entities,
            r#"{"all": true, "sort_field": "lastSeen", "sort_direction": "desc"}"#,
        )
        .unwrap();
        assert_eq!(
            entities_desc.mode,
            Mode::Skip,
            "a moving key read newest first could miss a record"
        );
        assert_eq!(
            plan(EntityKind::Subnets, r#"{"all": true}"#).unwrap().mode,
            Mode::Skip
        );
    }

    #[test]
    fn relative_dates_are_fixed_when_the_plan_is_made() {
        let req = QueryRequest::from_json(r#"{"filters": {"date": {"gte_ndays": 1}}}"#).unwrap();
        let p = Plan::new(EntityKind::Alerts, &req, 86_400_000 * 3).unwrap();
        assert_eq!(p.filters, Some(json!({"date": {"gte": 86_400_000 * 2}})));
        assert_eq!(p.identity["filters"], json!({"date": {"gte_ndays": 1}}));
    }
}
