//! Dataset-level tests: determinism, paging, scan, actions, scale.
