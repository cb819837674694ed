//! Expression evaluation: globals (variables and top-level attributes) are
//! resolved lazily, in dependency order, with cycle detection.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::expr::{BinOp, Expr, ExprKind, ForExpr, Part, TravOp, UnOp};
use super::limits::{self, ELEMENT_BYTES, MAX_EVAL_BYTES, MAX_EVAL_DEPTH, MAX_VARIABLE_CHAIN};
use super::load::{AttrDef, BlockDef, Document};
use super::stdlib;
use super::value::{convert, format_number, from_json_text, Ty, Value};
use crate::span::Span;

/// A local path relative to `dir` (the defining file's directory); remote,
/// `cwd://`, `target:`, image and layout references, and absolute paths
/// stay as they are.
pub fn rebase_path(dir: &str, s: &str) -> String {
    if dir.is_empty()
        || s.starts_with('/')
        || s.contains("://")
        || s.starts_with("target:")
        || s.starts_with("docker-image:")
        || s.starts_with("oci-layout:")
        || super::target::is_remote_url(s)
    {
        return s.to_string();
    }
    stdlib::clean_path(&format!("{dir}/{s}"))
}

/// An evaluation error: file index, span, message and optional help.
#[derive(Debug, Clone)]
pub struct EvalErr {
    pub file: usize,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl EvalErr {
    pub fn new(file: usize, span: Span, message: impl Into<String>) -> EvalErr {
        EvalErr {
            file,
            span,
            message: message.into(),
            help: None,
        }
    }
    pub fn help(mut self, h: Option<String>) -> EvalErr {
        self.help = h;
        self
    }
}

pub type R<T> = Result<T, EvalErr>;

/// Local bindings (for-expression variables, matrix values, function params).
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub file: usize,
    pub locals: Vec<(String, Value)>,
}

impl Ctx {
    pub fn new(file: usize) -> Ctx {
        Ctx {
            file,
            locals: Vec::new(),
        }
    }
    fn get(&self, name: &str) -> Option<&Value> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

#[derive(Debug, Clone)]
enum GState {
    InProgress,
    Done(Value),
}

pub struct UserFunc<'a> {
    pub name: String,
    pub params: Vec<String>,
    pub variadic: Option<String>,
    pub result: &'a Expr,
    pub file: usize,
    pub span: Span,
}

/// A variable declared with a `variable` block.
pub struct VarDef<'a> {
    pub block: &'a BlockDef,
}

/// Looks up overrides: `--var` values first, then the environment.
pub struct Lookup {
    pub vars: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
    pub env_allowed: bool,
}

impl Lookup {
    pub fn get(&self, name: &str) -> Option<(&str, &'static str)> {
        if let Some(v) = self.vars.get(name) {
            return Some((v, "--var"));
        }
        if self.env_allowed {
            if let Some(v) = self.env.get(name) {
                return Some((v, "environment"));
            }
        }
        None
    }
}

pub struct Evaluator<'a> {
    pub attrs: HashMap<String, &'a AttrDef>,
    pub vars: HashMap<String, VarDef<'a>>,
    pub builtins: BTreeMap<String, String>,
    pub funcs: HashMap<String, UserFunc<'a>>,
    pub lookup: Lookup,
    pub target_blocks: HashMap<String, Vec<&'a BlockDef>>,
    /// With `BUILDX_BAKE_FILE_RELATIVE_PATHS`: the directory of each file
    /// (by index), which local `context`/`contexts` paths are relative to.
    pub file_dirs: Option<Vec<String>>,
    state: RefCell<HashMap<String, GState>>,
    deps: RefCell<HashMap<String, BTreeSet<String>>>,
    call_stack: RefCell<Vec<String>>,
    target_state: RefCell<HashMap<(String, String), Option<Value>>>,
    #[allow(clippy::type_complexity)]
    target_index: RefCell<Option<HashMap<String, Vec<(&'a BlockDef, Vec<(String, Value)>)>>>>,
    depth: RefCell<usize>,
    /// What evaluation has produced so far (see [`limits::MAX_EVAL_BYTES`]).
    produced: Cell<u64>,
    /// The first limit hit: it ends the load, every later `eval` returns it.
    limit_hit: RefCell<Option<EvalErr>>,
}

const RESERVED: &[&str] = &["target", "group", "variable", "function"];

impl<'a> Evaluator<'a> {
    pub fn new(doc: &'a Document, builtins: BTreeMap<String, String>, lookup: Lookup) -> Self {
        let mut attrs = HashMap::new();
        for a in &doc.attrs {
            if RESERVED.contains(&a.name.as_str()) || builtins.contains_key(&a.name) {
                continue;
            }
            attrs.insert(a.name.clone(), a);
        }
        let mut vars = HashMap::new();
        let mut funcs = HashMap::new();
        let mut target_blocks: HashMap<String, Vec<&BlockDef>> = HashMap::new();
        for b in &doc.blocks {
            let (label, span) = b.label();
            match b.kind.as_str() {
                "variable" => {
                    if RESERVED.contains(&label) || builtins.contains_key(label) {
                        continue;
                    }
                    vars.insert(label.to_string(), VarDef { block: b });
                }
                "function" => {
                    if RESERVED.contains(&label) {
                        continue;
                    }
                    if let Some(f) = user_func(b, label, span) {
                        funcs.insert(label.to_string(), f);
                    }
                }
                "target" => target_blocks.entry(label.to_string()).or_default().push(b),
                _ => {}
            }
        }
        Evaluator {
            attrs,
            vars,
            builtins,
            funcs,
            lookup,
            target_blocks,
            file_dirs: None,
            state: RefCell::new(HashMap::new()),
            deps: RefCell::new(HashMap::new()),
            call_stack: RefCell::new(Vec::new()),
            target_state: RefCell::new(HashMap::new()),
            target_index: RefCell::new(None),
            depth: RefCell::new(0),
            produced: Cell::new(0),
            limit_hit: RefCell::new(None),
        }
    }

    /// The limit that ended evaluation, if one did (see [`limits`]).
    pub fn limit_error(&self) -> Option<EvalErr> {
        self.limit_hit.borrow().clone()
    }

    /// Records a limit hit at `span` (the first one wins) and returns it.
    pub fn hit_limit(&self, file: usize, span: Span, message: impl Into<String>) -> EvalErr {
        let mut hit = self.limit_hit.borrow_mut();
        hit.get_or_insert_with(|| {
            EvalErr::new(file, span, message).help(Some(
                "bakelint bounds the work a bake file can ask for; this definition goes past \
                 one of its limits (see `bakelint rule BK000`)"
                    .into(),
            ))
        })
        .clone()
    }

    /// Counts a produced value against the limits.
    fn charge(&self, v: &Value, file: usize, span: Span) -> R<()> {
        let left = MAX_EVAL_BYTES.saturating_sub(self.produced.get());
        match limits::measure(v, left) {
            Ok(cost) => self.charge_bytes(cost, file, span),
            Err(m) => Err(self.hit_limit(file, span, m)),
        }
    }

    fn charge_bytes(&self, cost: u64, file: usize, span: Span) -> R<()> {
        let total = self.produced.get().saturating_add(cost);
        self.produced.set(total);
        if total > MAX_EVAL_BYTES {
            return Err(self.hit_limit(
                file,
                span,
                format!(
                    "evaluation produces more than {} in total",
                    limits::bytes_text(MAX_EVAL_BYTES)
                ),
            ));
        }
        Ok(())
    }

    fn limit_or(&self, e: EvalErr) -> EvalErr {
        self.limit_error().unwrap_or(e)
    }

    /// The globals the definition of `name` refers to directly.
    fn direct_deps(&self, name: &str) -> Vec<String> {
        let def = self.attrs.get(name).map(|a| &a.expr).or_else(|| {
            self.vars
                .get(name)
                .and_then(|v| v.block.attr("default"))
                .map(|a| &a.expr)
        });
        let mut fv = Vec::new();
        if let Some(e) = def {
            e.free_vars(&mut fv);
        }
        let mut out: Vec<String> = fv
            .into_iter()
            .map(|(n, _)| n)
            .filter(|n| n != name && self.is_global(n))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The first global defined through a chain of more than
    /// [`MAX_VARIABLE_CHAIN`] others (an iterative walk: chains of any
    /// length are measured without recursion).
    pub fn variable_chain_error(&self) -> Option<EvalErr> {
        let mut names: Vec<&String> = self.attrs.keys().chain(self.vars.keys()).collect();
        names.sort();
        names.dedup();
        let mut chain: HashMap<String, usize> = HashMap::new();
        let mut open: HashSet<String> = HashSet::new();
        for root in names {
            let mut stack: Vec<(String, bool)> = vec![(root.clone(), false)];
            while let Some((n, expanded)) = stack.pop() {
                let deps = self.direct_deps(&n);
                if expanded {
                    open.remove(&n);
                    let len = 1 + deps.iter().filter_map(|d| chain.get(d)).max().unwrap_or(&0);
                    if len > MAX_VARIABLE_CHAIN {
                        let (file, span) = match (self.vars.get(&n), self.attrs.get(&n)) {
                            (Some(v), _) => (v.block.file, v.block.label().1),
                            (None, Some(a)) => (a.file, a.name_span),
                            _ => (0, Span::default()),
                        };
                        return Some(self.hit_limit(
                            file,
                            span,
                            format!(
                                "{n} is defined through a chain of more than {MAX_VARIABLE_CHAIN} variables"
                            ),
                        ));
                    }
                    chain.insert(n, len);
                    continue;
                }
                if chain.contains_key(&n) || !open.insert(n.clone()) {
                    continue;
                }
                stack.push((n, true));
                for d in deps {
                    if !chain.contains_key(&d) && !open.contains(&d) {
                        stack.push((d, false));
                    }
                }
            }
        }
        None
    }

    pub fn global_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .attrs
            .keys()
            .chain(self.vars.keys())
            .chain(self.builtins.keys())
            .cloned()
            .collect();
        v.sort();
        v.dedup();
        v
    }

    pub fn is_global(&self, name: &str) -> bool {
        self.attrs.contains_key(name)
            || self.vars.contains_key(name)
            || self.builtins.contains_key(name)
    }

    /// Variables an expression depends on (transitively), excluding names bound in `cx`.
    pub fn expr_deps(&self, e: &Expr, cx: &Ctx) -> BTreeSet<String> {
        let mut fv = Vec::new();
        e.free_vars(&mut fv);
        let mut out = BTreeSet::new();
        for (n, _) in fv {
            if cx.get(&n).is_some() || !self.is_global(&n) {
                continue;
            }
            out.extend(self.global_deps(&n));
        }
        out
    }

    /// A global and everything its definition depends on.
    pub fn global_deps(&self, name: &str) -> BTreeSet<String> {
        if let Some(d) = self.deps.borrow().get(name) {
            return d.clone();
        }
        self.deps
            .borrow_mut()
            .insert(name.to_string(), BTreeSet::from([name.to_string()]));
        let mut out = BTreeSet::from([name.to_string()]);
        let def = self.attrs.get(name).map(|a| &a.expr).or_else(|| {
            self.vars
                .get(name)
                .and_then(|v| v.block.attr("default"))
                .map(|a| &a.expr)
        });
        if let Some(e) = def {
            let mut fv = Vec::new();
            e.free_vars(&mut fv);
            for (n, _) in fv {
                if self.is_global(&n) {
                    out.extend(self.global_deps(&n));
                }
            }
        }
        self.deps.borrow_mut().insert(name.to_string(), out.clone());
        out
    }

    pub fn var_type(&self, name: &str) -> R<Option<Ty>> {
        let Some(v) = self.vars.get(name) else {
            return Ok(None);
        };
        match v.block.attr("type") {
            Some(t) => parse_type(&t.expr, t.file).map(Some),
            None => Ok(None),
        }
    }

    /// Resolves a global by name (lazily, once).
    pub fn global(&self, name: &str, ref_file: usize, ref_span: Span) -> R<Value> {
        match self.state.borrow().get(name) {
            Some(GState::Done(v)) => return Ok(v.clone()),
            Some(GState::InProgress) => {
                return Err(EvalErr::new(
                    ref_file,
                    ref_span,
                    format!("variable cycle not allowed for {name}"),
                ))
            }
            None => {}
        }
        if !self.is_global(name) {
            let names = self.global_names();
            return Err(
                EvalErr::new(ref_file, ref_span, format!("undefined variable {name:?}"))
                    .help(did_you_mean(name, names.iter().map(String::as_str))),
            );
        }
        self.state
            .borrow_mut()
            .insert(name.to_string(), GState::InProgress);
        let res = self.resolve_global(name);
        match res {
            Ok(v) => {
                self.state
                    .borrow_mut()
                    .insert(name.to_string(), GState::Done(v.clone()));
                if let Err(e) = self.validate(name) {
                    self.state.borrow_mut().remove(name);
                    return Err(e);
                }
                Ok(v)
            }
            Err(e) => {
                self.state.borrow_mut().remove(name);
                Err(e)
            }
        }
    }

    fn resolve_global(&self, name: &str) -> R<Value> {
        let attr = self.attrs.get(name);
        let var = self.vars.get(name);
        if attr.is_none() {
            if let Some(b) = self.builtins.get(name) {
                return Ok(Value::String(b.clone()));
            }
        }
        let ty = self.var_type(name)?;
        let (file, vspan) = match (attr, var) {
            (_, Some(v)) => (v.block.file, v.block.label().1),
            (Some(a), None) => (a.file, a.name_span),
            (None, None) => (0, Span::default()),
        };
        let def: Option<&AttrDef> = attr
            .copied()
            .or_else(|| var.and_then(|v| v.block.attr("default")));
        let is_var = var.is_some();
        let mut json_unusable = false;
        // Environment / --var overrides (only for declared variables).
        let over = if is_var {
            if let Some((j, src)) = self.lookup.get(&format!("{name}_JSON")) {
                if ty.is_some() || def.is_none() {
                    let parsed = from_json_text(j).map_err(|m| {
                        EvalErr::new(file, vspan, format!("failed to parse {name}_JSON: {m}"))
                            .help(Some(format!("set by {src} {name}_JSON")))
                    })?;
                    let v = match &ty {
                        Some(t) => convert(&parsed, t).map_err(|m| {
                            EvalErr::new(file, vspan, format!("invalid value for {name}_JSON: {m}"))
                        })?,
                        None => parsed,
                    };
                    return Ok(v);
                }
                json_unusable = true;
            }
            self.lookup.get(name)
        } else {
            None
        };
        let Some(def) = def else {
            return match (over, &ty) {
                (Some((s, src)), Some(t)) => parse_typed(s, t).map_err(|m| {
                    EvalErr::new(
                        file,
                        vspan,
                        format!("failed to parse {name} as {}: {m}", t.name()),
                    )
                    .help(Some(format!("the value comes from the {src}")))
                }),
                (Some((s, _)), None) => Ok(Value::String(s.to_string())),
                (None, Some(_)) => Ok(Value::Null),
                (None, None) => Ok(Value::String(String::new())),
            };
        };
        let mut cx = Ctx::new(def.file);
        let v = self.eval(&def.expr, &mut cx)?;
        if json_unusable && over.is_none() && matches!(v, Value::List(_) | Value::Object(_)) {
            // buildx: a `_JSON` override of an untyped variable whose
            // default is a collection is refused.
            return Err(EvalErr::new(
                file,
                vspan,
                format!("unsupported type {} for variable {name}", v.friendly_type()),
            )
            .help(Some(format!(
                "{name}_JSON is set; declare a `type` for the variable to use it"
            ))));
        }
        if let Some((s, src)) = over {
            let t = match &ty {
                Some(t) => t.clone(),
                None => match &v {
                    Value::Bool(_) => Ty::Bool,
                    Value::String(_) | Value::Null => Ty::String,
                    Value::Number(_) => Ty::Number,
                    other => {
                        return Err(EvalErr::new(
                            file,
                            vspan,
                            format!(
                                "unsupported type {} for variable {name}",
                                other.friendly_type()
                            ),
                        )
                        .help(Some(format!(
                            "declare a `type` for the variable or set {name}_JSON"
                        ))))
                    }
                },
            };
            return parse_typed(s, &t).map_err(|m| {
                EvalErr::new(
                    file,
                    vspan,
                    format!("failed to parse {name} as {}: {m}", t.name()),
                )
                .help(Some(format!("the value comes from the {src}")))
            });
        }
        match &ty {
            Some(t) => convert(&v, t).map_err(|m| {
                EvalErr::new(
                    def.file,
                    def.expr.span,
                    format!("invalid default value for variable {name}: {m}"),
                )
            }),
            None => Ok(v),
        }
    }

    fn validate(&self, name: &str) -> R<()> {
        let Some(var) = self.vars.get(name) else {
            return Ok(());
        };
        for vb in var.block.blocks.iter().filter(|b| b.kind == "validation") {
            let Some(cond) = vb.attr("condition") else {
                return Err(EvalErr::new(
                    vb.file,
                    vb.span,
                    "validation block requires a condition",
                ));
            };
            let mut cx = Ctx::new(vb.file);
            let c = self.eval(&cond.expr, &mut cx)?;
            let ok = c.to_bool_conv().map_err(|m| {
                EvalErr::new(
                    vb.file,
                    cond.expr.span,
                    format!("invalid validation condition: {m}"),
                )
            })?;
            if !ok {
                let msg = match vb.attr("error_message") {
                    Some(m) => self
                        .eval(&m.expr, &mut cx)?
                        .to_string_conv()
                        .unwrap_or_default(),
                    None => format!("validation failed for variable {name}"),
                };
                return Err(EvalErr::new(vb.file, cond.expr.span, msg)
                    .help(Some(format!("validation of variable {name:?} failed"))));
            }
        }
        Ok(())
    }

    /// Target names (matrix names included) → the blocks defining them,
    /// with their matrix values; built on first use.
    #[allow(clippy::type_complexity)]
    fn target_index(
        &self,
    ) -> std::cell::Ref<'_, HashMap<String, Vec<(&'a BlockDef, Vec<(String, Value)>)>>> {
        if self.target_index.borrow().is_none() {
            let mut idx: HashMap<String, Vec<(&'a BlockDef, Vec<(String, Value)>)>> =
                HashMap::new();
            // Plain blocks first: a matrix that reads a target sees them.
            let mut blocks: Vec<&'a BlockDef> =
                self.target_blocks.values().flatten().copied().collect();
            blocks.sort_by_key(|b| (b.file, b.span.start));
            for b in &blocks {
                if b.attr("matrix").is_none() {
                    idx.entry(b.label().0.to_string())
                        .or_default()
                        .push((*b, Vec::new()));
                }
            }
            *self.target_index.borrow_mut() = Some(idx.clone());
            for b in &blocks {
                let Some(m) = b.attr("matrix") else { continue };
                let mut cx = Ctx::new(b.file);
                let Ok(Value::Object(map)) = self.eval(&m.expr, &mut cx) else {
                    continue;
                };
                let mut combos: Vec<Vec<(String, Value)>> = vec![vec![]];
                let mut ok = true;
                for (k, vals) in map {
                    let Value::List(vals) = vals else {
                        ok = false;
                        break;
                    };
                    if combos.len().saturating_mul(vals.len()) > limits::MAX_MATRIX_TARGETS {
                        ok = false;
                        break;
                    }
                    let mut next = Vec::new();
                    for v in &vals {
                        for c in &combos {
                            let mut c2 = c.clone();
                            c2.push((k.clone(), v.clone()));
                            next.push(c2);
                        }
                    }
                    combos = next;
                }
                if !ok {
                    continue;
                }
                for locals in combos {
                    let name = match b.attr("name") {
                        Some(n) => {
                            let mut cx = Ctx {
                                file: b.file,
                                locals: locals.clone(),
                            };
                            match self.eval(&n.expr, &mut cx).map(|v| v.to_string_conv()) {
                                Ok(Ok(n)) => n,
                                _ => continue,
                            }
                        }
                        None => b.label().0.to_string(),
                    };
                    idx.entry(name).or_default().push((*b, locals));
                }
            }
            *self.target_index.borrow_mut() = Some(idx);
        }
        std::cell::Ref::map(self.target_index.borrow(), |o| {
            o.as_ref().expect("target index is built above")
        })
    }

    /// `target.<name>.<attr>`: one attribute of a target, evaluated on its
    /// own (so targets may read each other's other attributes), null when
    /// the target does not set it.
    fn target_attr(&self, name: &str, attr: &str, file: usize, span: Span) -> R<Value> {
        let key = (name.to_string(), attr.to_string());
        if let Some(st) = self.target_state.borrow().get(&key) {
            return match st {
                Some(v) => Ok(v.clone()),
                None => Err(EvalErr::new(
                    file,
                    span,
                    format!("target cycle not allowed for {name}.{attr}"),
                )),
            };
        }
        let defs = self.target_index().get(name).cloned();
        let Some(defs) = defs else {
            let idx = self.target_index();
            let names: Vec<&str> = idx.keys().map(String::as_str).collect();
            return Err(EvalErr::new(file, span, format!("unknown target {name:?}"))
                .help(did_you_mean(name, names.into_iter())));
        };
        if attr == "name" {
            return Ok(Value::String(name.to_string()));
        }
        self.target_state.borrow_mut().insert(key.clone(), None);
        let mut out = Value::Null;
        for (b, locals) in &defs {
            for a in b.attrs.iter().filter(|a| a.name == attr) {
                let mut cx = Ctx {
                    file: a.file,
                    locals: locals.clone(),
                };
                let v = match self.eval(&a.expr, &mut cx) {
                    Ok(v) => v,
                    Err(e) => {
                        self.target_state.borrow_mut().remove(&key);
                        return Err(e);
                    }
                };
                if v.is_null() {
                    continue;
                }
                let v = self.rebase_attr(attr, &a.expr, v, a.file);
                out = match (out, v) {
                    (Value::Object(mut old), Value::Object(new)) => {
                        old.extend(new);
                        Value::Object(old)
                    }
                    (_, v) => v,
                };
            }
        }
        if out.is_null()
            && super::target::attr_spec(attr).is_none()
            && !defs
                .iter()
                .any(|(b, _)| b.attrs.iter().any(|a| a.name == attr))
        {
            self.target_state.borrow_mut().remove(&key);
            return Err(EvalErr::new(
                file,
                span,
                format!("unsupported attribute: a target has no attribute named {attr:?}"),
            ));
        }
        self.target_state
            .borrow_mut()
            .insert(key, Some(out.clone()));
        Ok(out)
    }

    /// `target.<name>`: every attribute the target sets, as an object.
    fn target_ref(&self, name: &str, file: usize, span: Span) -> R<Value> {
        let defs = self.target_index().get(name).cloned();
        let Some(defs) = defs else {
            return self.target_attr(name, "name", file, span);
        };
        let mut names: Vec<String> = defs
            .iter()
            .flat_map(|(b, _)| b.attrs.iter().map(|a| a.name.clone()))
            .filter(|n| n != "matrix" && n != "name")
            .collect();
        names.sort();
        names.dedup();
        let mut obj = BTreeMap::new();
        for n in names {
            let v = self.target_attr(name, &n, file, span)?;
            if !v.is_null() {
                obj.insert(n, v);
            }
        }
        Ok(Value::Object(obj))
    }

    /// With file-relative paths, a `context` / `contexts` value made
    /// relative to the directory of the file that defines it (a value read
    /// from another target is already rebased).
    pub fn rebase_attr(&self, name: &str, e: &Expr, v: Value, file: usize) -> Value {
        let Some(dir) = self.file_dirs.as_ref().and_then(|d| d.get(file)) else {
            return v;
        };
        if !matches!(name, "context" | "contexts") {
            return v;
        }
        let mut fv = Vec::new();
        e.free_vars(&mut fv);
        if fv.iter().any(|(n, _)| n == "target") {
            return v;
        }
        match v {
            Value::String(s) if name == "context" => Value::String(rebase_path(dir, &s)),
            Value::Object(m) if name == "contexts" => Value::Object(
                m.into_iter()
                    .map(|(k, v)| match v {
                        Value::String(s) => (k, Value::String(rebase_path(dir, &s))),
                        other => (k, other),
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// Whether an expression is set-typed: a set function's result, a
    /// conversion to a set, or a variable declared as one.
    fn is_set_expr(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Call { name, args, .. } => match name.as_str() {
                "setunion" | "setintersection" | "setsubtract" | "toset" => true,
                "convert" => args
                    .get(1)
                    .is_some_and(|t| matches!(parse_type(t, 0), Ok(Ty::Set(_)))),
                _ => false,
            },
            ExprKind::Var(n) => matches!(self.var_type(n), Ok(Some(Ty::Set(_)))),
            _ => false,
        }
    }

    pub fn eval(&self, e: &Expr, cx: &mut Ctx) -> R<Value> {
        if let Some(err) = self.limit_error() {
            return Err(err);
        }
        {
            let mut d = self.depth.borrow_mut();
            *d += 1;
            if *d > MAX_EVAL_DEPTH {
                *d -= 1;
                return Err(EvalErr::new(cx.file, e.span, "expression nesting too deep"));
            }
        }
        let r = self.eval_inner(e, cx);
        *self.depth.borrow_mut() -= 1;
        r
    }

    fn eval_inner(&self, e: &Expr, cx: &mut Ctx) -> R<Value> {
        match &e.kind {
            ExprKind::Lit(v) => {
                self.charge(v, cx.file, e.span)?;
                Ok(v.clone())
            }
            ExprKind::Template(parts) => self.eval_template(parts, e.span, cx),
            ExprKind::Tuple(items) => self.eval_tuple(items, e.span, cx),
            ExprKind::Object(items) => self.eval_object(items, e.span, cx),
            ExprKind::Var(name) => self.eval_var(name, e, cx),
            ExprKind::Traversal(base, ops) => self.eval_traversal(base, ops, cx),
            ExprKind::Call { name, args, expand } => self.call(name, args, *expand, cx, e.span),
            ExprKind::Unary(op, x) => self.eval_unary(*op, x, e.span, cx),
            ExprKind::Binary(op, a, b) => {
                let l = self.eval(a, cx)?;
                // Logical operators are not short-circuiting in HCL, but
                // evaluate the right side only when needed for errors' sake.
                let r = self.eval(b, cx)?;
                binop(*op, &l, &r).map_err(|m| EvalErr::new(cx.file, e.span, m))
            }
            ExprKind::Cond(c, t, el) => {
                let b = self.eval(c, cx)?.to_bool_conv().map_err(|m| {
                    EvalErr::new(cx.file, c.span, format!("invalid condition: {m}"))
                })?;
                let v = self.eval(if b { t } else { el }, cx)?;
                // HCL unifies the branch types: a list and a set make a
                // set, so the result comes out de-duplicated and sorted.
                match v {
                    Value::List(items) if self.is_set_expr(t) || self.is_set_expr(el) => {
                        let mut items = limits::distinct(items);
                        items.sort_by(super::value::cmp_values);
                        Ok(Value::List(items))
                    }
                    v => Ok(v),
                }
            }
            ExprKind::For(fe) => self.eval_for(fe, cx),
        }
    }

    // Each case lives in a function of its own: in an unoptimised build, a
    // function's stack frame holds the locals of all its cases, and
    // `eval_inner` is on the stack once per level of nesting.

    #[inline(never)]
    fn eval_template(&self, parts: &[Part], span: Span, cx: &mut Ctx) -> R<Value> {
        if let [Part::Interp(x)] = parts {
            return self.eval(x, cx);
        }
        let mut out = String::new();
        self.render(parts, cx, &mut out)?;
        self.charge_bytes(out.len() as u64, cx.file, span)?;
        Ok(Value::String(out))
    }

    #[inline(never)]
    fn eval_tuple(&self, items: &[Expr], span: Span, cx: &mut Ctx) -> R<Value> {
        self.charge_bytes(ELEMENT_BYTES * items.len() as u64, cx.file, span)?;
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.eval(i, cx)?);
        }
        Ok(Value::List(out))
    }

    #[inline(never)]
    fn eval_object(&self, items: &[(Expr, Expr)], span: Span, cx: &mut Ctx) -> R<Value> {
        let f = cx.file;
        self.charge_bytes(ELEMENT_BYTES * items.len() as u64, f, span)?;
        let mut out = BTreeMap::new();
        for (k, v) in items {
            let key = self.eval(k, cx)?;
            let key = key
                .to_string_conv()
                .map_err(|m| EvalErr::new(f, k.span, format!("invalid object key: {m}")))?;
            out.insert(key, self.eval(v, cx)?);
        }
        Ok(Value::Object(out))
    }

    #[inline(never)]
    fn eval_unary(&self, op: UnOp, x: &Expr, span: Span, cx: &mut Ctx) -> R<Value> {
        let v = self.eval(x, cx)?;
        let err = |m: String| EvalErr::new(cx.file, span, m);
        match op {
            UnOp::Neg => Ok(Value::Number(-v.to_number_conv().map_err(err)?)),
            UnOp::Not => Ok(Value::Bool(!v.to_bool_conv().map_err(err)?)),
        }
    }

    #[inline(never)]
    fn eval_var(&self, name: &str, e: &Expr, cx: &mut Ctx) -> R<Value> {
        let f = cx.file;
        let err = |m: String| EvalErr::new(f, e.span, m);
        if let Some(v) = cx.get(name) {
            self.charge(v, f, e.span)?;
            return Ok(v.clone());
        }
        if name == "target" && !self.is_global("target") {
            return Err(err(
                "a target reference needs a target name: target.<name>.<attribute>".into(),
            ));
        }
        if !self.is_global(name) {
            let mut names = self.global_names();
            names.extend(cx.locals.iter().map(|(n, _)| n.clone()));
            return Err(err(format!("undefined variable {name:?}"))
                .help(did_you_mean(name, names.iter().map(String::as_str))));
        }
        let v = self.global(name, f, e.span)?;
        self.charge(&v, f, e.span)?;
        Ok(v)
    }

    #[inline(never)]
    fn eval_traversal(&self, base: &Expr, ops: &[TravOp], cx: &mut Ctx) -> R<Value> {
        let f = cx.file;
        let mut ops = ops;
        let mut cur = match (&base.kind, ops.first()) {
            (ExprKind::Var(n), Some(TravOp::GetAttr(t, tspan)))
                if n == "target" && cx.get("target").is_none() && !self.is_global("target") =>
            {
                let v = match ops.get(1) {
                    Some(TravOp::GetAttr(a, aspan)) => {
                        ops = &ops[2..];
                        self.target_attr(t, a, f, tspan.cover(*aspan))?
                    }
                    _ => {
                        ops = &ops[1..];
                        self.target_ref(t, f, *tspan)?
                    }
                };
                self.charge(&v, f, *tspan)?;
                v
            }
            _ => self.eval(base, cx)?,
        };
        self.apply_ops(&mut cur, ops, cx)?;
        Ok(cur)
    }

    #[inline(never)]
    fn eval_for(&self, fe: &ForExpr, cx: &mut Ctx) -> R<Value> {
        let f = cx.file;
        let coll = self.eval(&fe.coll, cx)?;
        let Some(items) = coll.iter_elements() else {
            return Err(EvalErr::new(
                f,
                fe.coll.span,
                format!("cannot iterate over a {} value", coll.friendly_type()),
            ));
        };
        self.charge_bytes(ELEMENT_BYTES * items.len() as u64, f, fe.coll.span)?;
        let mut list = Vec::new();
        let mut obj: BTreeMap<String, Value> = BTreeMap::new();
        for (k, v) in items {
            let n = cx.locals.len();
            if let Some(kv) = &fe.key_var {
                cx.locals.push((kv.clone(), k));
            }
            cx.locals.push((fe.value_var.clone(), v));
            let res = (|| -> R<()> {
                if let Some(c) = &fe.cond {
                    let keep = self.eval(c, cx)?.to_bool_conv().map_err(|m| {
                        EvalErr::new(f, c.span, format!("invalid for condition: {m}"))
                    })?;
                    if !keep {
                        return Ok(());
                    }
                }
                let val = self.eval(&fe.value_expr, cx)?;
                match &fe.key_expr {
                    Some(ke) => {
                        let key = self
                            .eval(ke, cx)?
                            .to_string_conv()
                            .map_err(|m| EvalErr::new(f, ke.span, m))?;
                        if fe.grouping {
                            if let Value::List(l) =
                                obj.entry(key).or_insert_with(|| Value::List(vec![]))
                            {
                                l.push(val)
                            }
                        } else {
                            if obj.contains_key(&key) {
                                return Err(EvalErr::new(
                                    f,
                                    ke.span,
                                    format!("duplicate object key {key:?}; use the ellipsis (...) after the value to group by key"),
                                ));
                            }
                            obj.insert(key, val);
                        }
                    }
                    None => list.push(val),
                }
                Ok(())
            })();
            cx.locals.truncate(n);
            res?;
        }
        if fe.key_expr.is_some() {
            Ok(Value::Object(obj))
        } else {
            Ok(Value::List(list))
        }
    }

    fn apply_ops(&self, cur: &mut Value, ops: &[TravOp], cx: &mut Ctx) -> R<()> {
        let f = cx.file;
        for (i, op) in ops.iter().enumerate() {
            match op {
                TravOp::GetAttr(name, s) => {
                    *cur = match std::mem::take(cur) {
                        Value::Object(mut o) => match o.remove(name) {
                            Some(v) => v,
                            None => {
                                let keys: Vec<&str> = o.keys().map(String::as_str).collect();
                                return Err(EvalErr::new(
                                    f,
                                    *s,
                                    format!("unsupported attribute: this object does not have an attribute named {name:?}"),
                                )
                                .help(did_you_mean(name, keys.into_iter())));
                            }
                        },
                        Value::Null => {
                            return Err(EvalErr::new(
                                f,
                                *s,
                                format!("attempt to get attribute {name:?} from a null value"),
                            ))
                        }
                        other => {
                            return Err(EvalErr::new(
                                f,
                                *s,
                                format!(
                                    "unsupported attribute {name:?}: a {} value has no attributes",
                                    other.friendly_type()
                                ),
                            ))
                        }
                    };
                }
                TravOp::Index(ix) => {
                    let k = self.eval(ix, cx)?;
                    *cur = index_value(std::mem::take(cur), &k)
                        .map_err(|m| EvalErr::new(f, ix.span, m))?;
                }
                TravOp::Splat => {
                    let items = match std::mem::take(cur) {
                        Value::List(l) => l,
                        Value::Null => vec![],
                        other => vec![other],
                    };
                    self.charge_bytes(ELEMENT_BYTES * items.len() as u64, f, Span::default())?;
                    let mut out = Vec::with_capacity(items.len());
                    for mut it in items {
                        self.apply_ops(&mut it, &ops[i + 1..], cx)?;
                        out.push(it);
                    }
                    *cur = Value::List(out);
                    return Ok(());
                }
            }
        }
        Ok(())
    }

    fn render(&self, parts: &[Part], cx: &mut Ctx, out: &mut String) -> R<()> {
        let f = cx.file;
        for p in parts {
            match p {
                Part::Lit(s) => {
                    out.push_str(s);
                    self.check_rendered(out, f, Span::default())?;
                }
                Part::Interp(x) => {
                    let v = self.eval(x, cx)?;
                    if v.is_null() {
                        return Err(EvalErr::new(
                            f,
                            x.span,
                            "invalid template interpolation value: the expression result is null",
                        ));
                    }
                    let s = v.to_string_conv().map_err(|m| {
                        EvalErr::new(
                            f,
                            x.span,
                            format!("invalid template interpolation value: {m}"),
                        )
                    })?;
                    out.push_str(&s);
                    self.check_rendered(out, f, x.span)?;
                }
                Part::If(c, a, b) => {
                    let cv = self.eval(c, cx)?.to_bool_conv().map_err(|m| {
                        EvalErr::new(f, c.span, format!("invalid %{{if}} condition: {m}"))
                    })?;
                    self.render(if cv { a } else { b }, cx, out)?;
                }
                Part::For {
                    key_var,
                    value_var,
                    coll,
                    body,
                } => {
                    let cv = self.eval(coll, cx)?;
                    let Some(items) = cv.iter_elements() else {
                        return Err(EvalErr::new(
                            f,
                            coll.span,
                            format!("cannot iterate over a {} value", cv.friendly_type()),
                        ));
                    };
                    for (k, v) in items {
                        let n = cx.locals.len();
                        if let Some(kv) = key_var {
                            cx.locals.push((kv.clone(), k));
                        }
                        cx.locals.push((value_var.clone(), v));
                        let r = self.render(body, cx, out);
                        cx.locals.truncate(n);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A template's text so far against [`limits::MAX_STRING_BYTES`].
    fn check_rendered(&self, out: &str, file: usize, span: Span) -> R<()> {
        limits::check_string_len(out.len()).map_err(|m| self.hit_limit(file, span, m))
    }

    fn call(&self, name: &str, args: &[Expr], expand: bool, cx: &mut Ctx, span: Span) -> R<Value> {
        let f = cx.file;
        // Lazy functions.
        match name {
            "try" => {
                let mut last = None;
                for a in args {
                    match self.eval(a, cx) {
                        Ok(v) => return Ok(v),
                        Err(e) => last = Some(self.limit_or(e)),
                    }
                    if let Some(hit) = self.limit_error() {
                        return Err(hit);
                    }
                }
                return Err(match last {
                    Some(e) => {
                        EvalErr::new(f, span, format!("no expression succeeded: {}", e.message))
                    }
                    None => EvalErr::new(f, span, "try requires at least one argument"),
                });
            }
            "convert" => {
                let [val, ty] = args else {
                    return Err(EvalErr::new(f, span, "convert requires a value and a type"));
                };
                let t = parse_type(ty, f)?;
                let v = self.eval(val, cx)?;
                let v = convert(&v, &t).map_err(|m| {
                    EvalErr::new(f, span, format!("error in function convert: {m}"))
                })?;
                self.charge(&v, f, span)?;
                return Ok(v);
            }
            "can" => {
                if args.len() != 1 {
                    return Err(EvalErr::new(f, span, "can requires exactly one argument"));
                }
                let ok = self.eval(&args[0], cx).is_ok();
                if let Some(hit) = self.limit_error() {
                    return Err(hit);
                }
                return Ok(Value::Bool(ok));
            }
            _ => {}
        }
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.eval(a, cx)?);
        }
        if expand {
            match vals.pop() {
                Some(Value::List(l)) => vals.extend(l),
                Some(Value::Null) | None => {
                    return Err(EvalErr::new(
                        f,
                        span,
                        "the final argument to expand (...) must be a list",
                    ))
                }
                Some(other) => {
                    return Err(EvalErr::new(
                        f,
                        span,
                        format!(
                            "the final argument to expand (...) must be a list, not {}",
                            other.friendly_type()
                        ),
                    ))
                }
            }
        }
        if let Some(uf) = self.funcs.get(name) {
            return self.call_user(uf, vals, f, span);
        }
        match stdlib::lookup(name) {
            Some(func) => {
                limits::check_call(name, &vals).map_err(|m| {
                    self.hit_limit(f, span, format!("error in function {name}: {m}"))
                })?;
                let v = func(&vals)
                    .map_err(|m| EvalErr::new(f, span, format!("error in function {name}: {m}")))?;
                self.charge(&v, f, span)?;
                Ok(v)
            }
            None => {
                let mut names: Vec<&str> = stdlib::names().collect();
                names.extend(self.funcs.keys().map(String::as_str));
                Err(EvalErr::new(f, span, format!("undefined function {name}"))
                    .help(did_you_mean(name, names.into_iter())))
            }
        }
    }

    fn call_user(
        &self,
        uf: &UserFunc<'a>,
        mut vals: Vec<Value>,
        file: usize,
        span: Span,
    ) -> R<Value> {
        if self.call_stack.borrow().iter().any(|n| n == &uf.name) {
            return Err(EvalErr::new(
                file,
                span,
                format!("function cycle not allowed for {}", uf.name),
            ));
        }
        let n = uf.params.len();
        if vals.len() < n || (uf.variadic.is_none() && vals.len() > n) {
            return Err(EvalErr::new(
                file,
                span,
                format!(
                    "function {} expects {}{} argument(s), got {}",
                    uf.name,
                    if uf.variadic.is_some() {
                        "at least "
                    } else {
                        ""
                    },
                    n,
                    vals.len()
                ),
            ));
        }
        let rest = vals.split_off(n);
        let mut cx = Ctx::new(uf.file);
        for (p, v) in uf.params.iter().zip(vals) {
            cx.locals.push((p.clone(), v));
        }
        if let Some(vn) = &uf.variadic {
            cx.locals.push((vn.clone(), Value::List(rest)));
        }
        self.call_stack.borrow_mut().push(uf.name.clone());
        let r = self.eval(uf.result, &mut cx);
        self.call_stack.borrow_mut().pop();
        r
    }
}

fn user_func<'a>(b: &'a BlockDef, label: &str, span: Span) -> Option<UserFunc<'a>> {
    let result = &b.attr("result")?.expr;
    let params = match b.attr("params").map(|a| &a.expr.kind) {
        Some(ExprKind::Tuple(items)) => items
            .iter()
            .filter_map(|i| i.as_keyword().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let variadic = b
        .attr("variadic_params")
        .and_then(|a| a.expr.as_keyword().map(str::to_string));
    Some(UserFunc {
        name: label.to_string(),
        params,
        variadic,
        result,
        file: b.file,
        span,
    })
}

/// Structural checks of a `function` block (buildx requires `params` and
/// `result`; parameter names must be identifiers).
pub fn check_function_block(b: &BlockDef) -> Vec<EvalErr> {
    let mut out = Vec::new();
    let (_, lspan) = b.label();
    if b.labels.len() != 1 {
        out.push(EvalErr::new(
            b.file,
            lspan,
            "a function block needs exactly one label",
        ));
    }
    for req in ["params", "result"] {
        if b.attr(req).is_none() {
            out.push(EvalErr::new(
                b.file,
                lspan,
                format!("the argument {req:?} is required in a function block"),
            ));
        }
    }
    if let Some(p) = b.attr("params") {
        match &p.expr.kind {
            ExprKind::Tuple(items) => {
                for i in items {
                    if i.as_keyword().is_none() {
                        out.push(
                            EvalErr::new(b.file, i.span, "invalid param element")
                                .help(Some("each parameter name must be an identifier".into())),
                        );
                    }
                }
            }
            _ => out.push(EvalErr::new(
                b.file,
                p.expr.span,
                "params must be a list of parameter names",
            )),
        }
    }
    if let Some(v) = b.attr("variadic_params") {
        if v.expr.as_keyword().is_none() {
            out.push(
                EvalErr::new(b.file, v.expr.span, "invalid param element")
                    .help(Some("each parameter name must be an identifier".into())),
            );
        }
    }
    out
}

pub fn did_you_mean<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let s = strsim::jaro_winkler(name, c);
        if s > 0.8 && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, c));
        }
    }
    best.map(|(_, c)| format!("did you mean {c:?}?"))
}

fn index_value(v: Value, k: &Value) -> Result<Value, String> {
    match v {
        Value::List(mut l) => {
            let n = k.to_number_conv()?;
            if n < 0.0 || n.fract() != 0.0 || (n as usize) >= l.len() {
                return Err(format!(
                    "invalid index: the given key {} does not identify an element in this collection value",
                    format_number(n)
                ));
            }
            Ok(l.swap_remove(n as usize))
        }
        Value::Object(mut o) => {
            let key = k.to_string_conv()?;
            o.remove(&key)
                .ok_or_else(|| format!("invalid index: the given key {key:?} does not identify an element in this collection value"))
        }
        Value::Null => Err("cannot index a null value".into()),
        other => Err(format!("cannot index a {} value", other.friendly_type())),
    }
}

pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        _ => a == b,
    }
}

fn binop(op: BinOp, l: &Value, r: &Value) -> Result<Value, String> {
    use BinOp::*;
    Ok(match op {
        Eq => Value::Bool(values_equal(l, r)),
        NotEq => Value::Bool(!values_equal(l, r)),
        And => Value::Bool(l.to_bool_conv()? && r.to_bool_conv()?),
        Or => Value::Bool(l.to_bool_conv()? || r.to_bool_conv()?),
        _ => {
            let a = l.to_number_conv()?;
            let b = r.to_number_conv()?;
            match op {
                Plus => Value::Number(a + b),
                Minus => Value::Number(a - b),
                Mul => Value::Number(a * b),
                Div => {
                    if b == 0.0 {
                        return Err("divide by zero".into());
                    }
                    Value::Number(a / b)
                }
                Mod => {
                    if b == 0.0 {
                        return Err("divide by zero".into());
                    }
                    Value::Number(a % b)
                }
                Less => Value::Bool(a < b),
                LessEq => Value::Bool(a <= b),
                Greater => Value::Bool(a > b),
                GreaterEq => Value::Bool(a >= b),
                Eq | NotEq | And | Or => Value::Null,
            }
        }
    })
}

/// Parses a type expression (`string`, `list(string)`, `map(number)`, ...).
pub fn parse_type(e: &Expr, file: usize) -> R<Ty> {
    let bad = |m: &str| EvalErr::new(file, e.span, m.to_string());
    match &e.kind {
        ExprKind::Var(n) => match n.as_str() {
            "string" => Ok(Ty::String),
            "number" => Ok(Ty::Number),
            "bool" => Ok(Ty::Bool),
            "any" => Ok(Ty::Any),
            "list" => Ok(Ty::List(Box::new(Ty::Any))),
            "set" => Ok(Ty::Set(Box::new(Ty::Any))),
            "map" => Ok(Ty::Map(Box::new(Ty::Any))),
            other => Err(bad(&format!("unknown type {other:?}"))),
        },
        ExprKind::Call { name, args, .. } => {
            let one = || -> R<Ty> {
                match args.as_slice() {
                    [a] => parse_type(a, file),
                    _ => Err(bad(&format!("{name}() requires exactly one argument"))),
                }
            };
            match name.as_str() {
                "list" => Ok(Ty::List(Box::new(one()?))),
                "set" => Ok(Ty::Set(Box::new(one()?))),
                "map" => Ok(Ty::Map(Box::new(one()?))),
                "tuple" => match args.as_slice() {
                    [Expr {
                        kind: ExprKind::Tuple(items),
                        ..
                    }] => Ok(Ty::Tuple(
                        items
                            .iter()
                            .map(|i| parse_type(i, file))
                            .collect::<R<_>>()?,
                    )),
                    _ => Err(bad("tuple() requires a list of types")),
                },
                "object" => match args.as_slice() {
                    [Expr {
                        kind: ExprKind::Object(items),
                        ..
                    }] => {
                        let mut m = BTreeMap::new();
                        for (k, v) in items {
                            let key = match &k.kind {
                                ExprKind::Lit(Value::String(s)) => s.clone(),
                                ExprKind::Var(s) => s.clone(),
                                _ => {
                                    return Err(bad("object() attribute names must be identifiers"))
                                }
                            };
                            m.insert(key, parse_type(v, file)?);
                        }
                        Ok(Ty::Object(m))
                    }
                    _ => Err(bad("object() requires an object of types")),
                },
                other => Err(bad(&format!("unknown type constructor {other:?}"))),
            }
        }
        ExprKind::Lit(Value::String(s)) => {
            // JSON files may give the type as a string.
            match hcl_edit::parser::parse_expr(s) {
                Ok(x) => {
                    let mut t = super::expr::from_hcl(&x, e.span.start);
                    t.span = e.span;
                    parse_type(&t, file)
                }
                Err(_) => Err(bad("invalid type expression")),
            }
        }
        _ => Err(bad("invalid type expression")),
    }
}

/// Go's strconv.ParseBool.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn parse_prim(s: &str, t: &Ty) -> Result<Value, String> {
    match t {
        Ty::String | Ty::Any => Ok(Value::String(s.to_string())),
        Ty::Bool => parse_go_bool(s.trim())
            .map(Value::Bool)
            .ok_or_else(|| format!("strconv.ParseBool: parsing {s:?}: invalid syntax")),
        Ty::Number => super::value::parse_number(s)
            .map(Value::Number)
            .ok_or_else(|| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax")),
        other => Err(format!(
            "{} values cannot be given as a plain string; use the _JSON form",
            other.name()
        )),
    }
}

/// Parses an override string by the declared type: primitives, CSV lists,
/// `k:v` CSV maps. Complex types need the `_JSON` form.
pub fn parse_typed(s: &str, t: &Ty) -> Result<Value, String> {
    match t {
        Ty::List(et) | Ty::Set(et) if et.is_primitive() || **et == Ty::Any => {
            let fields = if s.is_empty() { vec![] } else { csv_fields(s) };
            let items = fields
                .iter()
                .map(|f| parse_prim(f, et))
                .collect::<Result<Vec<_>, _>>()?;
            convert(&Value::List(items), t)
        }
        Ty::Tuple(ts) if ts.iter().all(Ty::is_primitive) => {
            let fields = if s.is_empty() { vec![] } else { csv_fields(s) };
            if fields.len() != ts.len() {
                return Err(format!(
                    "expected {} values, got {}",
                    ts.len(),
                    fields.len()
                ));
            }
            Ok(Value::List(
                fields
                    .iter()
                    .zip(ts)
                    .map(|(f, t)| parse_prim(f, t))
                    .collect::<Result<_, _>>()?,
            ))
        }
        Ty::Map(et) if et.is_primitive() || **et == Ty::Any => {
            let mut m = BTreeMap::new();
            if !s.is_empty() {
                for f in csv_fields(s) {
                    let Some((k, v)) = f.split_once(':').or_else(|| f.split_once('=')) else {
                        return Err(format!("invalid map entry {f:?}, expected key:value"));
                    };
                    m.insert(k.trim().to_string(), parse_prim(v, et)?);
                }
            }
            Ok(Value::Object(m))
        }
        Ty::List(_) | Ty::Set(_) | Ty::Map(_) | Ty::Tuple(_) | Ty::Object(_) => Err(format!(
            "complex type {} must be given as JSON with the _JSON suffix",
            t.name()
        )),
        prim => parse_prim(s, prim),
    }
}

/// Splits a CSV line (double quotes group, `""` escapes a quote).
pub fn csv_fields(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut inq = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if inq && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => inq = !inq,
            ',' if !inq => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_env_parsing() {
        let list = Ty::List(Box::new(Ty::String));
        assert_eq!(
            parse_typed("a,\"b,c\"", &list),
            Ok(Value::List(vec![Value::str("a"), Value::str("b,c")]))
        );
        assert_eq!(parse_typed("", &list), Ok(Value::List(vec![])));
        let nums = Ty::List(Box::new(Ty::Number));
        assert!(parse_typed("1,x", &nums).is_err());
        let map = Ty::Map(Box::new(Ty::Bool));
        let v = parse_typed("a:true,b:0", &map).expect("map");
        assert_eq!(v.as_object().map(|o| o.len()), Some(2));
        assert_eq!(parse_typed("T", &Ty::Bool), Ok(Value::Bool(true)));
        assert!(parse_typed("NaN", &Ty::Number).is_err());
        assert!(parse_typed("x", &Ty::Object(BTreeMap::new())).is_err());
    }

    #[test]
    fn did_you_mean_threshold() {
        assert_eq!(
            did_you_mean("lowr", ["lower", "upper"].into_iter()),
            Some("did you mean \"lower\"?".into())
        );
        assert_eq!(did_you_mean("zzz", ["lower"].into_iter()), None);
    }
}
