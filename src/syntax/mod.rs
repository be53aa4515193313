//! Stage 1: source text → AST. The grammar lives in `grammar/score.pest`.

pub mod ast;
mod parser;

pub use parser::parse;
