//! Stage 1: source text → AST. The grammar lives in `grammar/score.pest`.

pub mod ast;
mod errors;
pub(crate) mod keywords;
mod parser;

pub use parser::parse;
