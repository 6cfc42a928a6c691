//! Keeping the library mapped while its threads run.
//!
//! The shared runtime's worker threads (`crate::runtime`) live for the rest of the process. If a host
//! unloaded the library (`dlclose`, `FreeLibrary`, a .NET `NativeLibrary.Free`) while they ran, their code
//! would be unmapped under them and the process would crash at some later, unrelated moment. So the first
//! time the runtime starts, the library pins itself: on Linux by reopening itself with `RTLD_NODELETE`, on
//! Windows with `GET_MODULE_HANDLE_EX_FLAG_PIN`. An unload request then succeeds as a call but leaves the
//! code mapped; the library stays until the process exits.

/// Pins the module containing this function. Best effort: failing to pin leaves things as before.
pub(crate) fn pin_library() {
    imp::pin();
}

#[cfg(all(unix, not(target_os = "macos")))]
mod imp {
    pub(super) fn pin() {
        // SAFETY: dladdr reads the address of a function of this library and fills `info`; dlopen with
        // RTLD_NOLOAD only adds a reference to an object that is already loaded (this one).
        unsafe {
            let mut info: libc::Dl_info = std::mem::zeroed();
            let here = pin as *const ();
            if libc::dladdr(here.cast(), &mut info) == 0 || info.dli_fname.is_null() {
                return;
            }
            let _ = libc::dlopen(
                info.dli_fname,
                libc::RTLD_NOW | libc::RTLD_NOLOAD | libc::RTLD_NODELETE,
            );
        }
    }
}

#[cfg(windows)]
mod imp {
    use std::ffi::c_void;

    const GET_MODULE_HANDLE_EX_FLAG_PIN: u32 = 0x1;
    const GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS: u32 = 0x4;

    #[link(name = "kernel32")]
    extern "system" {
        fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut *mut c_void) -> i32;
    }

    pub(super) fn pin() {
        let mut module = std::ptr::null_mut();
        // SAFETY: with FROM_ADDRESS, `name` is an address inside this module; `module` is valid for
        // writes. The pinned handle is never freed, by design.
        unsafe {
            GetModuleHandleExW(
                GET_MODULE_HANDLE_EX_FLAG_PIN | GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS,
                pin as *const () as *const u16,
                &mut module,
            );
        }
    }
}

#[cfg(not(any(windows, all(unix, not(target_os = "macos")))))]
mod imp {
    pub(super) fn pin() {}
}
