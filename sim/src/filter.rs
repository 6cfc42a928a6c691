//! Filter evaluation (spec §5.2).
