//! List semantics (spec §4, §14 rules 10-16).
