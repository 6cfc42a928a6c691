pub fn _bootstrap() {}
pub mod data;
pub mod filter;
pub mod list;
