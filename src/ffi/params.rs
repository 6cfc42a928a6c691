//! The PowerShell module's parameter mapping ([`crate::params`]) behind the C ABI, so the module forwards
//! its bound parameters and receives the request JSON the other functions take. No request is sent.

use std::os::raw::c_char;

use serde_json::Value;

use crate::entity::EntityKind;
use crate::error::Result;
use crate::ffi::boundary;
use crate::ffi::status::mdca_status;
use crate::ffi::strings::{check_out, give_string, parse_json, read_str};
use crate::params;

fn check_string_out(out_json: *mut *mut c_char, out_len: *mut usize) -> Result<()> {
    check_out(out_json, "out_json")?;
    check_out(out_len, "out_len")
}

/// Maps the bound parameters of a `Get-Mdca*` cmdlet to the query request JSON of `mdca_query_new`.
///
/// `entity` is `activities`, `alerts`, `files`, `entities` or `subnets`; `params_json` is a JSON object
/// of parameter name (case-insensitive, e.g. `"FileType"`) to value (`["Document", 2]`, `true`,
/// `"2024-05-01T00:00:00Z"`, …); `Filter` is a raw MDCA filter object merged as is. `docs/powershell.md`
/// lists the parameters; `mdca_params_describe` returns them.
///
/// On success `*out_json`/`*out_len` receive the request (`{"filters", "first", "skip", "all",
/// "page_size", "sort_field", "sort_direction", "scan"}`, only the keys given), owned by the caller and
/// freed with `mdca_string_free`; written only on success.
///
/// Returns `MDCA_STATUS_OK`, `MDCA_STATUS_NULL_POINTER`, `MDCA_STATUS_INVALID_UTF8`,
/// `MDCA_STATUS_INVALID_JSON`, `MDCA_STATUS_UNKNOWN_ENTITY`, `MDCA_STATUS_INVALID_ARGUMENT` (unknown
/// parameter or bad value) or `MDCA_STATUS_INVALID_FILTER`.
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// `entity` and `params_json` must be NULL or NUL-terminated strings; `out_json` and `out_len` must be
/// NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_params_query_request(
    entity: *const c_char,
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_params_query_request", || {
        let entity = read_str(entity, "entity")?;
        let text = read_str(params_json, "params_json")?;
        check_string_out(out_json, out_len)?;
        let kind = EntityKind::from_name(entity)?;
        let params: Value = parse_json(text, "params_json", "a JSON object")?;
        let request = params::query_request(kind, &params)?;
        give_string(request.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Maps `Close-MdcaAlert` parameters (`Identity` = alert ids or `Filter`, `As`, `Comment`, `ReasonCode`)
/// to the request JSON of `mdca_client_close_alerts` (`{"ids"|"filter", "as", "comment", "reason_id"}`).
///
/// Output, ownership and statuses as `mdca_params_query_request` (without `UNKNOWN_ENTITY`).
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// As `mdca_params_query_request`.
#[no_mangle]
pub unsafe extern "C" fn mdca_params_close_alerts(
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_params_close_alerts", || {
        let text = read_str(params_json, "params_json")?;
        check_string_out(out_json, out_len)?;
        let params: Value = parse_json(text, "params_json", "a JSON object")?;
        let request = params::close_alerts_request(&params)?;
        give_string(request.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Maps `New-MdcaSubnet`/`Set-MdcaSubnet` parameters (`Name`, `Category`, `Subnet`, `Organization`,
/// `Tag`) to the spec JSON of `mdca_client_create_subnet`/`mdca_client_update_subnet`.
///
/// Output, ownership and statuses as `mdca_params_close_alerts`.
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// As `mdca_params_query_request`.
#[no_mangle]
pub unsafe extern "C" fn mdca_params_subnet_spec(
    params_json: *const c_char,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_params_subnet_spec", || {
        let text = read_str(params_json, "params_json")?;
        check_string_out(out_json, out_len)?;
        let params: Value = parse_json(text, "params_json", "a JSON object")?;
        let spec = params::subnet_spec(&params)?;
        give_string(spec.to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

/// Describes every parameter the mapping accepts (per entity: name, filter field, operator, value kind
/// and the names of enumerations; the close and subnet parameters), as JSON. The module's static checks
/// compare the cmdlets' declared parameters with it.
///
/// On success `*out_json`/`*out_len` receive the JSON, owned by the caller and freed with
/// `mdca_string_free`. Returns `MDCA_STATUS_OK` or `MDCA_STATUS_NULL_POINTER`.
///
/// Thread safety: callable from any thread.
///
/// # Safety
///
/// `out_json` and `out_len` must be NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn mdca_params_describe(
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> mdca_status {
    boundary::run("mdca_params_describe", || {
        check_string_out(out_json, out_len)?;
        give_string(params::describe().to_string(), out_json, out_len)?;
        Ok(mdca_status::Ok)
    })
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;
    use std::ptr;

    use super::*;
    use crate::ffi::strings::mdca_string_free;

    fn call(entity: Option<&CStr>, params: &CStr) -> (mdca_status, Option<String>) {
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        let status = unsafe {
            mdca_params_query_request(
                entity.map_or(ptr::null(), CStr::as_ptr),
                params.as_ptr(),
                &mut out,
                &mut len,
            )
        };
        if out.is_null() {
            return (status, None);
        }
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        assert_eq!(text.len(), len);
        assert_eq!(unsafe { mdca_string_free(out) }, mdca_status::Ok);
        (status, Some(text))
    }

    #[test]
    fn a_mapped_request_is_returned_as_an_owned_string() {
        let (status, text) = call(Some(c"files"), cr#"{"FileType":"Image","All":true}"#);
        assert_eq!(status, mdca_status::Ok);
        let request: Value = serde_json::from_str(&text.unwrap()).unwrap();
        assert_eq!(
            request,
            serde_json::json!({"filters": {"fileType": {"eq": [5]}}, "all": true})
        );
    }

    #[test]
    fn bad_arguments_are_statuses_and_leave_the_output_untouched() {
        assert_eq!(call(None, c"{}"), (mdca_status::NullPointer, None));
        assert_eq!(call(Some(c"files"), c"{"), (mdca_status::InvalidJson, None));
        assert_eq!(
            call(Some(c"users"), c"{}"),
            (mdca_status::UnknownEntity, None)
        );
        assert_eq!(
            call(Some(c"files"), cr#"{"Colour":1}"#),
            (mdca_status::InvalidArgument, None)
        );
    }

    #[test]
    fn describe_returns_the_parameter_table_as_json() {
        let mut out: *mut c_char = ptr::null_mut();
        let mut len = 0usize;
        assert_eq!(
            unsafe { mdca_params_describe(&mut out, &mut len) },
            mdca_status::Ok
        );
        let text = unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        assert_eq!(unsafe { mdca_string_free(out) }, mdca_status::Ok);
        let description: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(description, params::describe());
        assert_eq!(
            unsafe { mdca_params_describe(ptr::null_mut(), &mut len) },
            mdca_status::NullPointer
        );
    }
}
