//! Constant expressions: the type of a constant value, and folding an expression made
//! only of constants to its value (for `let`, band thresholds, list items, patterns).

use crate::check::model::*;
use crate::syntax::ast::BinOp;

/// The type of a constant value (a whole number is an `int`).
pub(super) fn const_type(c: &Const) -> Type {
    match c {
        Const::Number(n) if n.fract() == 0.0 => Type::Int,
        Const::Number(_) => Type::Number,
        Const::Str(_) => Type::String,
        Const::Bool(_) => Type::Bool,
        Const::Time(_) => Type::Time,
        Const::Duration(_) => Type::Duration,
        Const::List(items) => Type::List(Box::new(list_element_type(items))),
    }
}

/// The element type of a list constant: numbers mix to `number`.
fn list_element_type(items: &[Const]) -> Type {
    let mut ty: Option<Type> = None;
    for item in items {
        let t = const_type(item);
        ty = Some(match ty {
            None => t,
            Some(prev) if prev.is_numeric() && t.is_numeric() => {
                if prev == Type::Int && t == Type::Int {
                    Type::Int
                } else {
                    Type::Number
                }
            }
            Some(prev) => prev,
        });
    }
    ty.unwrap_or(Type::Error)
}

/// Evaluates an expression made only of constants: literals, lists, constants and
/// arithmetic on them. `None` when it depends on anything else.
pub(in crate::check) fn fold(e: &TExpr) -> Option<Const> {
    match &e.kind {
        TExprKind::Const(c) => Some(c.clone()),
        TExprKind::Neg(inner) => match fold(inner)? {
            Const::Number(n) => Some(Const::Number(-n)),
            Const::Duration(d) => Some(Const::Duration(-d)),
            _ => None,
        },
        TExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (fold(lhs)?, fold(rhs)?);
            match (op, a, b) {
                (BinOp::Add, Const::Number(a), Const::Number(b)) => Some(Const::Number(a + b)),
                (BinOp::Sub, Const::Number(a), Const::Number(b)) => Some(Const::Number(a - b)),
                (BinOp::Mul, Const::Number(a), Const::Number(b)) => Some(Const::Number(a * b)),
                (BinOp::Div, Const::Number(a), Const::Number(b)) if b != 0.0 => {
                    Some(Const::Number(a / b))
                }
                (BinOp::Add, Const::Time(t), Const::Duration(d)) => Some(Const::Time(t + d)),
                (BinOp::Sub, Const::Time(t), Const::Duration(d)) => Some(Const::Time(t - d)),
                (BinOp::Add, Const::Duration(a), Const::Duration(b)) => {
                    Some(Const::Duration(a + b))
                }
                (BinOp::Sub, Const::Duration(a), Const::Duration(b)) => {
                    Some(Const::Duration(a - b))
                }
                _ => None,
            }
        }
        _ => None,
    }
}
