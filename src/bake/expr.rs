//! A common expression form for HCL and HCL-JSON bake files.

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::template::{Directive, Element, Template};
use hcl_edit::Span as _;

use super::value::Value;
use crate::span::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    NotEq,
    LessEq,
    GreaterEq,
    Less,
    Greater,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TravOp {
    GetAttr(String, Span),
    Index(Expr),
    Splat,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub coll: Expr,
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub cond: Option<Expr>,
    pub grouping: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Interp(Expr),
    If(Expr, Vec<Part>, Vec<Part>),
    For {
        key_var: Option<String>,
        value_var: String,
        coll: Expr,
        body: Vec<Part>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Lit(Value),
    Template(Vec<Part>),
    Tuple(Vec<Expr>),
    Object(Vec<(Expr, Expr)>),
    Var(String),
    Traversal(Box<Expr>, Vec<TravOp>),
    Call {
        name: String,
        args: Vec<Expr>,
        expand: bool,
    },
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    pub fn lit(v: Value, span: Span) -> Expr {
        Expr::new(ExprKind::Lit(v), span)
    }

    /// The identifier when this expression is a bare variable (`ExprAsKeyword`).
    pub fn as_keyword(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Var(v) => Some(v),
            _ => None,
        }
    }

    /// Root names of all variables referenced, excluding locally bound names.
    pub fn free_vars(&self, out: &mut Vec<(String, Span)>) {
        let mut bound = Vec::new();
        self.collect_vars(&mut bound, out);
    }

    fn collect_vars(&self, bound: &mut Vec<String>, out: &mut Vec<(String, Span)>) {
        match &self.kind {
            ExprKind::Lit(_) => {}
            ExprKind::Template(parts) => collect_parts(parts, bound, out),
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.collect_vars(bound, out)),
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if !matches!(k.kind, ExprKind::Var(_)) {
                        k.collect_vars(bound, out);
                    }
                    v.collect_vars(bound, out);
                }
            }
            ExprKind::Var(name) => {
                if !bound.iter().any(|b| b == name) {
                    out.push((name.clone(), self.span));
                }
            }
            ExprKind::Traversal(base, ops) => {
                base.collect_vars(bound, out);
                for op in ops {
                    if let TravOp::Index(e) = op {
                        e.collect_vars(bound, out);
                    }
                }
            }
            ExprKind::Call { name, args, .. } => {
                // `convert(value, type)`: the type is not an expression.
                let n = if name == "convert" { 1 } else { args.len() };
                args.iter().take(n).for_each(|e| e.collect_vars(bound, out))
            }
            ExprKind::Unary(_, e) => e.collect_vars(bound, out),
            ExprKind::Binary(_, a, b) => {
                a.collect_vars(bound, out);
                b.collect_vars(bound, out);
            }
            ExprKind::Cond(a, b, c) => {
                a.collect_vars(bound, out);
                b.collect_vars(bound, out);
                c.collect_vars(bound, out);
            }
            ExprKind::For(f) => {
                f.coll.collect_vars(bound, out);
                let n = bound.len();
                if let Some(k) = &f.key_var {
                    bound.push(k.clone());
                }
                bound.push(f.value_var.clone());
                if let Some(k) = &f.key_expr {
                    k.collect_vars(bound, out);
                }
                f.value_expr.collect_vars(bound, out);
                if let Some(c) = &f.cond {
                    c.collect_vars(bound, out);
                }
                bound.truncate(n);
            }
        }
    }

    /// Names of all functions called.
    pub fn func_calls(&self, out: &mut Vec<(String, Span)>) {
        match &self.kind {
            ExprKind::Lit(_) | ExprKind::Var(_) => {}
            ExprKind::Template(parts) => parts_calls(parts, out),
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.func_calls(out)),
            ExprKind::Object(items) => items.iter().for_each(|(k, v)| {
                k.func_calls(out);
                v.func_calls(out)
            }),
            ExprKind::Traversal(base, ops) => {
                base.func_calls(out);
                for op in ops {
                    if let TravOp::Index(e) = op {
                        e.func_calls(out);
                    }
                }
            }
            ExprKind::Call { name, args, .. } => {
                out.push((name.clone(), self.span));
                // `convert(value, type)`: the type is not an expression.
                let n = if name == "convert" { 1 } else { args.len() };
                args.iter().take(n).for_each(|e| e.func_calls(out));
            }
            ExprKind::Unary(_, e) => e.func_calls(out),
            ExprKind::Binary(_, a, b) => {
                a.func_calls(out);
                b.func_calls(out);
            }
            ExprKind::Cond(a, b, c) => {
                a.func_calls(out);
                b.func_calls(out);
                c.func_calls(out);
            }
            ExprKind::For(f) => {
                f.coll.func_calls(out);
                if let Some(k) = &f.key_expr {
                    k.func_calls(out);
                }
                f.value_expr.func_calls(out);
                if let Some(c) = &f.cond {
                    c.func_calls(out);
                }
            }
        }
    }
}

fn collect_parts(parts: &[Part], bound: &mut Vec<String>, out: &mut Vec<(String, Span)>) {
    for p in parts {
        match p {
            Part::Lit(_) => {}
            Part::Interp(e) => e.collect_vars(bound, out),
            Part::If(c, a, b) => {
                c.collect_vars(bound, out);
                collect_parts(a, bound, out);
                collect_parts(b, bound, out);
            }
            Part::For {
                key_var,
                value_var,
                coll,
                body,
            } => {
                coll.collect_vars(bound, out);
                let n = bound.len();
                if let Some(k) = key_var {
                    bound.push(k.clone());
                }
                bound.push(value_var.clone());
                collect_parts(body, bound, out);
                bound.truncate(n);
            }
        }
    }
}

fn parts_calls(parts: &[Part], out: &mut Vec<(String, Span)>) {
    for p in parts {
        match p {
            Part::Lit(_) => {}
            Part::Interp(e) => e.func_calls(out),
            Part::If(c, a, b) => {
                c.func_calls(out);
                parts_calls(a, out);
                parts_calls(b, out);
            }
            Part::For { coll, body, .. } => {
                coll.func_calls(out);
                parts_calls(body, out);
            }
        }
    }
}

fn sp(r: Option<std::ops::Range<usize>>, fallback: Span) -> Span {
    r.map(Span::from).unwrap_or(fallback)
}

/// Converts a parsed hcl-edit expression. `base` shifts spans (used when
/// an expression was parsed out of a larger text, e.g. a JSON string).
pub fn from_hcl(e: &Expression, base: usize) -> Expr {
    let fallback = Span::empty(base);
    let span = sp(e.span(), fallback).offset(if e.span().is_some() { base } else { 0 });
    let conv = |x: &Expression| from_hcl(x, base);
    let kind = match e {
        Expression::Null(_) => ExprKind::Lit(Value::Null),
        Expression::Bool(b) => ExprKind::Lit(Value::Bool(*b.value())),
        Expression::Number(n) => ExprKind::Lit(Value::Number(n.value().as_f64().unwrap_or(0.0))),
        Expression::String(s) => ExprKind::Lit(Value::String(s.value().to_string())),
        Expression::Array(a) => ExprKind::Tuple(a.iter().map(conv).collect()),
        Expression::Object(o) => ExprKind::Object(
            o.iter()
                .map(|(k, v)| {
                    let kspan =
                        sp(k.span(), span).offset(if k.span().is_some() { base } else { 0 });
                    let key = match k {
                        ObjectKey::Ident(id) => {
                            Expr::lit(Value::String(id.value().as_str().to_string()), kspan)
                        }
                        ObjectKey::Expression(x) => match x {
                            // A bare identifier key is literal, as in HCL.
                            Expression::Variable(id) => {
                                Expr::lit(Value::String(id.value().as_str().to_string()), kspan)
                            }
                            other => conv(other),
                        },
                    };
                    (key, conv(v.expr()))
                })
                .collect(),
        ),
        Expression::StringTemplate(t) => template_kind(t, base),
        Expression::HeredocTemplate(h) => {
            // hcl-edit already removes the `<<-` indentation from literals.
            simplify_template(convert_template(&h.template, base))
        }
        Expression::Parenthesis(p) => return relocate(conv(p.inner()), span),
        Expression::Variable(v) => ExprKind::Var(v.value().as_str().to_string()),
        Expression::Conditional(c) => ExprKind::Cond(
            Box::new(conv(&c.cond_expr)),
            Box::new(conv(&c.true_expr)),
            Box::new(conv(&c.false_expr)),
        ),
        Expression::FuncCall(f) => {
            let mut name = String::new();
            for ns in &f.name.namespace {
                name.push_str(ns.value().as_str());
                name.push_str("::");
            }
            name.push_str(f.name.name.value().as_str());
            ExprKind::Call {
                name,
                args: f.args.iter().map(conv).collect(),
                expand: f.args.expand_final(),
            }
        }
        Expression::Traversal(t) => {
            let ops = t
                .operators
                .iter()
                .map(|op| match op.value() {
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                        TravOp::Splat
                    }
                    TraversalOperator::GetAttr(id) => TravOp::GetAttr(
                        id.value().as_str().to_string(),
                        sp(op.span(), span).offset(if op.span().is_some() { base } else { 0 }),
                    ),
                    TraversalOperator::Index(x) => TravOp::Index(conv(x)),
                    TraversalOperator::LegacyIndex(i) => TravOp::Index(Expr::lit(
                        Value::Number(*i.value() as f64),
                        sp(op.span(), span).offset(if op.span().is_some() { base } else { 0 }),
                    )),
                })
                .collect();
            ExprKind::Traversal(Box::new(conv(&t.expr)), ops)
        }
        Expression::UnaryOp(u) => ExprKind::Unary(
            match u.operator.value() {
                UnaryOperator::Neg => UnOp::Neg,
                UnaryOperator::Not => UnOp::Not,
            },
            Box::new(conv(&u.expr)),
        ),
        Expression::BinaryOp(b) => ExprKind::Binary(
            match b.operator.value() {
                BinaryOperator::Eq => BinOp::Eq,
                BinaryOperator::NotEq => BinOp::NotEq,
                BinaryOperator::LessEq => BinOp::LessEq,
                BinaryOperator::GreaterEq => BinOp::GreaterEq,
                BinaryOperator::Less => BinOp::Less,
                BinaryOperator::Greater => BinOp::Greater,
                BinaryOperator::Plus => BinOp::Plus,
                BinaryOperator::Minus => BinOp::Minus,
                BinaryOperator::Mul => BinOp::Mul,
                BinaryOperator::Div => BinOp::Div,
                BinaryOperator::Mod => BinOp::Mod,
                BinaryOperator::And => BinOp::And,
                BinaryOperator::Or => BinOp::Or,
            },
            Box::new(conv(&b.lhs_expr)),
            Box::new(conv(&b.rhs_expr)),
        ),
        Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
            key_var: f
                .intro
                .key_var
                .as_ref()
                .map(|k| k.value().as_str().to_string()),
            value_var: f.intro.value_var.value().as_str().to_string(),
            coll: conv(&f.intro.collection_expr),
            key_expr: f.key_expr.as_ref().map(conv),
            value_expr: conv(&f.value_expr),
            cond: f.cond.as_ref().map(|c| conv(&c.expr)),
            grouping: f.grouping,
        })),
    };
    Expr::new(kind, span)
}

fn relocate(mut e: Expr, span: Span) -> Expr {
    e.span = span;
    e
}

fn template_kind(t: &Template, base: usize) -> ExprKind {
    simplify_template(convert_template(t, base))
}

fn simplify_template(parts: Vec<Part>) -> ExprKind {
    if parts.is_empty() {
        return ExprKind::Lit(Value::String(String::new()));
    }
    if parts.iter().all(|p| matches!(p, Part::Lit(_))) {
        let s: String = parts
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.as_str(),
                _ => "",
            })
            .collect();
        return ExprKind::Lit(Value::String(s));
    }
    ExprKind::Template(parts)
}

fn convert_template(t: &Template, base: usize) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    let mut strip_next = false;
    for el in t.iter() {
        match el {
            Element::Literal(l) => {
                let mut s = l.value().to_string();
                if strip_next {
                    s = s.trim_start().to_string();
                    strip_next = false;
                }
                parts.push(Part::Lit(s));
            }
            Element::Interpolation(i) => {
                if i.strip.strip_start() {
                    strip_prev(&mut parts);
                }
                strip_next = i.strip.strip_end();
                parts.push(Part::Interp(from_hcl(&i.expr, base)));
            }
            Element::Directive(d) => match d.as_ref() {
                Directive::If(ifd) => {
                    if ifd.if_expr.strip.strip_start() {
                        strip_prev(&mut parts);
                    }
                    let mut then = convert_template(&ifd.if_expr.template, base);
                    if ifd.if_expr.strip.strip_end() {
                        strip_first(&mut then);
                    }
                    let mut els = Vec::new();
                    if let Some(e) = &ifd.else_expr {
                        if e.strip.strip_start() {
                            strip_prev(&mut then);
                        }
                        els = convert_template(&e.template, base);
                        if e.strip.strip_end() {
                            strip_first(&mut els);
                        }
                    }
                    if ifd.endif_expr.strip.strip_start() {
                        if ifd.else_expr.is_some() {
                            strip_prev(&mut els);
                        } else {
                            strip_prev(&mut then);
                        }
                    }
                    strip_next = ifd.endif_expr.strip.strip_end();
                    parts.push(Part::If(from_hcl(&ifd.if_expr.cond_expr, base), then, els));
                }
                Directive::For(ford) => {
                    if ford.for_expr.strip.strip_start() {
                        strip_prev(&mut parts);
                    }
                    strip_next = ford.endfor_expr.strip.strip_end();
                    let mut body = convert_template(&ford.for_expr.template, base);
                    if ford.for_expr.strip.strip_end() {
                        strip_first(&mut body);
                    }
                    if ford.endfor_expr.strip.strip_start() {
                        strip_prev(&mut body);
                    }
                    parts.push(Part::For {
                        key_var: ford
                            .for_expr
                            .key_var
                            .as_ref()
                            .map(|k| k.value().as_str().to_string()),
                        value_var: ford.for_expr.value_var.value().as_str().to_string(),
                        coll: from_hcl(&ford.for_expr.collection_expr, base),
                        body,
                    });
                }
            },
        }
    }
    parts
}

fn strip_first(parts: &mut [Part]) {
    if let Some(Part::Lit(s)) = parts.first_mut() {
        *s = s.trim_start().to_string();
    }
}

fn strip_prev(parts: &mut [Part]) {
    if let Some(Part::Lit(s)) = parts.last_mut() {
        *s = s.trim_end().to_string();
    }
}

/// Parses an HCL template string (used for JSON strings) into an expression.
/// `base` is the byte offset of the string content in the file.
pub fn template_from_str(s: &str, base: usize, span: Span) -> Result<Expr, String> {
    if !s.contains("${") && !s.contains("%{") {
        return Ok(Expr::lit(Value::String(s.to_string()), span));
    }
    let t = hcl_edit::parser::parse_template(s).map_err(|e| e.message().to_string())?;
    Ok(Expr::new(template_kind(&t, base), span))
}
