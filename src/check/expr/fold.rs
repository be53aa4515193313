//! Constant expressions: the type of a constant value, and folding an expression made
//! only of constants to its value (for `let`, band thresholds, list items, patterns).

use crate::check::model::*;
use crate::check::Checker;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::BinOp;
use crate::vocab::Function;

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

/// Why an expression has no constant value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::check) enum NoValue {
    /// It depends on something that is not a constant (a lead field, an event, a score),
    /// or uses an operation constants do not fold (a call, a comparison).
    NotConstant,
    /// Its arithmetic leaves the range of its type; [`Checker::fold_value`] reported it.
    OutOfRange,
}

/// Arithmetic on constants that leaves the range of its type `ty`, at `span`.
struct Overflow {
    span: Span,
    ty: Type,
}

/// Why [`fold_checked`] found no value.
enum Unfolded {
    NotConstant,
    Overflow(Overflow),
}

impl Checker<'_> {
    /// The value of `e` when it is made only of constants (see [`fold`]); arithmetic that
    /// leaves its type's range (a number beyond a 64-bit float, a time or duration beyond
    /// 64-bit microseconds) is reported here. The caller reports `NotConstant` in its own
    /// words.
    pub(in crate::check) fn fold_value(&mut self, e: &TExpr) -> Result<Const, NoValue> {
        match fold_checked(e) {
            Ok(c) => Ok(c),
            Err(Unfolded::NotConstant) => Err(NoValue::NotConstant),
            Err(Unfolded::Overflow(overflow)) => {
                self.report(overflow_diagnostic(&overflow));
                Err(NoValue::OutOfRange)
            }
        }
    }
}

/// E0409: arithmetic on constants that overflows.
fn overflow_diagnostic(overflow: &Overflow) -> Diagnostic {
    const TIME_RANGE: &str =
        "times and durations are microseconds in 64 bits: about 292,000 years either side of 1970";
    const NUMBER_RANGE: &str =
        "numbers in a model are finite 64-bit floats (up to about 1.8e308): no division by zero";
    let (what, help) = match overflow.ty {
        Type::Time => ("a time", TIME_RANGE),
        Type::Duration => ("a duration", TIME_RANGE),
        _ => ("a number", NUMBER_RANGE),
    };
    Diagnostic::new(
        Code::OutOfRange,
        format!("this constant arithmetic gives {what} out of range"),
        overflow.span,
        "out of range",
    )
    .with_help(help)
}

/// Evaluates an expression made only of constants: literals, lists, constants,
/// arithmetic on them, and `least`/`greatest` of them. `None` when it depends on anything
/// else, or when its arithmetic leaves its type's range (which the checker reports, see
/// [`Checker::fold_value`]).
pub(in crate::check) fn fold(e: &TExpr) -> Option<Const> {
    fold_checked(e).ok()
}

/// [`fold`], saying why there is no value.
fn fold_checked(e: &TExpr) -> Result<Const, Unfolded> {
    let out_of_range = || {
        Unfolded::Overflow(Overflow {
            span: e.span,
            ty: e.ty.clone(),
        })
    };
    let number = |n: f64| {
        if n.is_finite() {
            Ok(Const::Number(n))
        } else {
            Err(out_of_range())
        }
    };
    let checked =
        |value: Option<i64>, make: fn(i64) -> Const| value.map(make).ok_or_else(out_of_range);
    match &e.kind {
        TExprKind::Const(c) => Ok(c.clone()),
        TExprKind::Neg(inner) => match fold_checked(inner)? {
            Const::Number(n) => Ok(Const::Number(-n)),
            Const::Duration(d) => checked(d.checked_neg(), Const::Duration),
            _ => Err(Unfolded::NotConstant),
        },
        TExprKind::Binary { op, lhs, rhs } => {
            let (a, b) = (fold_checked(lhs)?, fold_checked(rhs)?);
            match (op, a, b) {
                (BinOp::Add, Const::Number(a), Const::Number(b)) => number(a + b),
                (BinOp::Sub, Const::Number(a), Const::Number(b)) => number(a - b),
                (BinOp::Mul, Const::Number(a), Const::Number(b)) => number(a * b),
                // Division by zero too: its infinity (or NaN) is out of range.
                (BinOp::Div, Const::Number(a), Const::Number(b)) => number(a / b),
                (BinOp::Add, Const::Time(t), Const::Duration(d)) => {
                    checked(t.checked_add(d), Const::Time)
                }
                (BinOp::Sub, Const::Time(t), Const::Duration(d)) => {
                    checked(t.checked_sub(d), Const::Time)
                }
                (BinOp::Add, Const::Duration(a), Const::Duration(b)) => {
                    checked(a.checked_add(b), Const::Duration)
                }
                (BinOp::Sub, Const::Duration(a), Const::Duration(b)) => {
                    checked(a.checked_sub(b), Const::Duration)
                }
                _ => Err(Unfolded::NotConstant),
            }
        }
        TExprKind::Call {
            function: function @ (Function::Least | Function::Greatest),
            args,
        } => {
            let mut extreme: Option<f64> = None;
            for arg in args {
                let Const::Number(n) = fold_checked(arg)? else {
                    return Err(Unfolded::NotConstant);
                };
                extreme = Some(match (extreme, function) {
                    (None, _) => n,
                    (Some(e), Function::Least) => e.min(n),
                    (Some(e), _) => e.max(n),
                });
            }
            extreme.map(Const::Number).ok_or(Unfolded::NotConstant)
        }
        _ => Err(Unfolded::NotConstant),
    }
}
