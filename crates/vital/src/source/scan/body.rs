//! A function body as the call graph and the assertion analysis see it: closure and
//! async bodies (where coverage records start), macro invocations (opaque spans),
//! items declared inside, calls by name, checked calls, assertions.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::visit::Visit;

use super::syntax::{UnrawString, expr_span, macro_span, type_path};
use crate::source::{BodyFacts, CallRef, FailpointName};

/// Collects, in a function body: the spans of closure and async bodies, macro
/// invocations, the items declared inside (which it does not enter), and the
/// [`BodyFacts`]: calls by name, checked calls, assertions.
#[derive(Default)]
pub(super) struct BodyVisitor<'ast> {
    pub(super) bodies: Vec<Span>,
    pub(super) macros: Vec<Span>,
    pub(super) items: Vec<&'ast syn::Item>,
    pub(super) facts: BodyFacts,
    /// The `fail_point!` calls, in source order.
    pub(super) failpoints: Vec<RawFailpoint>,
    /// Inside the branch of an `if`, a `match` arm or a `let … else`.
    branch_depth: usize,
    /// `let name = <expr>;`: the calls whose result `name` holds.
    bindings: HashMap<String, Vec<CallRef>>,
}

impl BodyVisitor<'_> {
    /// The calls whose result `expr` is: `f(…)`, `x.f(…)` (and what `x` is the
    /// result of, for adapters like `.map_err(…)`), through `.await`, `?`,
    /// parentheses and `let` bindings.
    fn heads(&self, expr: &syn::Expr) -> Vec<CallRef> {
        match expr {
            syn::Expr::Call(call) => match &*call.func {
                syn::Expr::Path(p) => call_of_path(&p.path).into_iter().collect(),
                _ => Vec::new(),
            },
            syn::Expr::MethodCall(m) => {
                let mut out = method_calls(m);
                out.extend(self.heads(&m.receiver));
                out
            }
            syn::Expr::Await(a) => self.heads(&a.base),
            syn::Expr::Try(t) => self.heads(&t.expr),
            syn::Expr::Paren(p) => self.heads(&p.expr),
            syn::Expr::Group(g) => self.heads(&g.expr),
            syn::Expr::Reference(r) => self.heads(&r.expr),
            syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
                self.bindings.get(&p.path.segments[0].ident.unraw_string()).cloned().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    fn in_branch(&mut self, visit: impl FnOnce(&mut Self)) {
        self.branch_depth += 1;
        visit(self);
        self.branch_depth -= 1;
    }
}

impl<'ast> Visit<'ast> for BodyVisitor<'ast> {
    fn visit_expr_closure(&mut self, closure: &'ast syn::ExprClosure) {
        self.bodies.push(expr_span(&closure.body));
        syn::visit::visit_expr_closure(self, closure);
    }

    fn visit_expr_async(&mut self, block: &'ast syn::ExprAsync) {
        self.bodies.push(block.block.brace_token.span.join());
        syn::visit::visit_expr_async(self, block);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        match &*call.func {
            syn::Expr::Path(p) => {
                self.facts.calls.extend(call_of_path(&p.path));
                self.facts.uses_fs |= mentions_fs(&p.path);
            }
            other => self.visit_expr(other),
        }
        for arg in &call.args {
            self.visit_expr(arg);
        }
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.facts.calls.extend(method_calls(m));
        if matches!(m.method.to_string().as_str(), "unwrap" | "expect" | "unwrap_err" | "expect_err") {
            let heads = self.heads(&m.receiver);
            self.facts.checked.extend(heads);
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_try(&mut self, t: &'ast syn::ExprTry) {
        let heads = self.heads(&t.expr);
        self.facts.checked.extend(heads);
        syn::visit::visit_expr_try(self, t);
    }

    fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
        // A function passed by path (`.map(Store::write)`); single names are
        // mostly local variables.
        if p.qself.is_none() && p.path.segments.len() >= 2 {
            self.facts.calls.extend(call_of_path(&p.path));
            self.facts.uses_fs |= mentions_fs(&p.path);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.facts.uses_fs |= mentions_fs(path);
        syn::visit::visit_path(self, path);
    }

    fn visit_expr_unsafe(&mut self, block: &'ast syn::ExprUnsafe) {
        self.facts.uses_unsafe = true;
        syn::visit::visit_expr_unsafe(self, block);
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (syn::Pat::Ident(ident), Some(init)) = (&local.pat, &local.init) {
            let heads = self.heads(&init.expr);
            self.bindings.insert(ident.ident.unraw_string(), heads);
        }
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.in_branch(|v| v.visit_expr(diverge));
            }
        }
        self.visit_pat(&local.pat);
    }

    fn visit_expr_if(&mut self, e: &'ast syn::ExprIf) {
        self.visit_expr(&e.cond);
        self.in_branch(|v| {
            v.visit_block(&e.then_branch);
            if let Some((_, else_branch)) = &e.else_branch {
                v.visit_expr(else_branch);
            }
        });
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.in_branch(|v| syn::visit::visit_arm(v, arm));
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.macros.push(macro_span(mac));
        let name = mac.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if let Some(site) = failpoint_of(mac, &name) {
            self.failpoints.push(site);
        }
        if is_assertion_macro(&name)
            || (self.branch_depth > 0 && matches!(name.as_str(), "panic" | "unreachable"))
        {
            self.facts.asserts = true;
        }
        // Look inside: `assert_eq!(store.get(k), …)` calls `get`.
        let args =
            mac.parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
        match args {
            Ok(args) => {
                // The arguments are parsed here, not borrowed from the file's tree: a
                // visitor of their own, merged back.
                let mut inner = BodyVisitor {
                    branch_depth: self.branch_depth,
                    bindings: std::mem::take(&mut self.bindings),
                    ..BodyVisitor::default()
                };
                for arg in &args {
                    inner.visit_expr(arg);
                }
                self.bindings = inner.bindings;
                self.bodies.extend(inner.bodies);
                self.macros.extend(inner.macros);
                self.facts.calls.extend(inner.facts.calls);
                self.facts.checked.extend(inner.facts.checked);
                self.facts.asserts |= inner.facts.asserts;
                self.facts.uses_fs |= inner.facts.uses_fs;
                self.failpoints.extend(inner.failpoints);
                self.facts.uses_unsafe |= inner.facts.uses_unsafe;
            }
            Err(_) => scan_tokens_for_calls(mac.tokens.clone(), &mut self.facts.calls),
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(item);
    }
}

/// A `fail_point!` call as the body shows it; its spans become positions with
/// the file's line table.
#[derive(Debug, Clone)]
pub(super) struct RawFailpoint {
    pub(super) name: FailpointName,
    pub(super) span: Span,
    pub(super) closure: Option<Span>,
}

/// The failpoint of a `fail_point!` (or `fail_point_async!`) call: `fail`'s
/// `(name)`, `(name, e)`, `(name, cond, e)`, or `fail-parallel`'s with a registry
/// argument first. Which crate it is follows from the path
/// (`fail_parallel::fail_point!`), else from where the string literal is: the name
/// is the first argument in `fail`, the second in `fail-parallel`. The action
/// `e` is the last argument when there are several.
fn failpoint_of(mac: &syn::Macro, name: &str) -> Option<RawFailpoint> {
    if !matches!(name, "fail_point" | "fail_point_async") {
        return None;
    }
    let args = mac
        .parse_body_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let args: Vec<&syn::Expr> = args.iter().collect();
    let literal = |e: &syn::Expr| matches!(e, syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(_), .. }));
    let parallel = mac.path.segments.iter().any(|s| s.ident == "fail_parallel")
        || name == "fail_point_async"
        || (args.len() >= 2 && !literal(args[0]) && literal(args[1]))
        || args.len() == 4;
    let (name_arg, rest) = if parallel { (args.get(1)?, &args[2..]) } else { (args.first()?, &args[1..]) };
    let closure = match rest.last() {
        Some(syn::Expr::Closure(closure)) => Some(expr_span(&closure.body)),
        _ => None,
    };
    Some(RawFailpoint { name: failpoint_name(name_arg), span: macro_span(mac), closure })
}

fn failpoint_name(expr: &syn::Expr) -> FailpointName {
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) => FailpointName::Literal(s.value()),
        syn::Expr::Path(p) if p.qself.is_none() => {
            FailpointName::Const(p.path.segments.iter().map(|s| s.ident.unraw_string()).collect())
        }
        syn::Expr::Reference(r) => failpoint_name(&r.expr),
        syn::Expr::Paren(p) => failpoint_name(&p.expr),
        other => FailpointName::Other(quote::ToTokens::to_token_stream(other).to_string()),
    }
}

/// Whether a macro of this name asserts: `assert*`, `debug_assert*`,
/// `prop_assert*`, and the matcher macros of googletest-like crates.
fn is_assertion_macro(name: &str) -> bool {
    name.starts_with("assert")
        || name.starts_with("debug_assert")
        || name.starts_with("prop_assert")
        || matches!(name, "expect_that" | "verify_that" | "expect_pred" | "check")
}

/// `f` / `Type::f` / `module::f` as a call.
fn call_of_path(path: &syn::Path) -> Option<CallRef> {
    let mut segments = path.segments.iter().rev();
    let last = segments.next()?;
    let qualifier = segments.next().map(|s| s.ident.unraw_string());
    Some(CallRef { name: last.ident.unraw_string(), qualifier })
}

/// A method call, and what it stands for: `s.parse::<T>()` also calls
/// `T::from_str`, `.into()` also `from`, `.try_into()` also `try_from`.
fn method_calls(m: &syn::ExprMethodCall) -> Vec<CallRef> {
    let name = m.method.unraw_string();
    let mut out = vec![CallRef { name: name.clone(), qualifier: None }];
    let turbofish = m.turbofish.as_ref().and_then(|t| t.args.first()).and_then(|arg| match arg {
        syn::GenericArgument::Type(ty) => type_path(ty).last().cloned(),
        _ => None,
    });
    match name.as_str() {
        "parse" => out.push(CallRef { name: "from_str".into(), qualifier: turbofish }),
        "into" => out.push(CallRef { name: "from".into(), qualifier: None }),
        "try_into" => out.push(CallRef { name: "try_from".into(), qualifier: None }),
        _ => {}
    }
    out
}

/// Calls in the tokens of a macro that is not a list of expressions
/// (`matches!(x.f(), P)`, `vec![f(); n]`): `name(` and `::name(`.
fn scan_tokens_for_calls(tokens: proc_macro2::TokenStream, out: &mut Vec<CallRef>) {
    use proc_macro2::{Delimiter, TokenTree};
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) => {
                let called = matches!(trees.get(i + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                if called {
                    let qualifier =
                        match (i.checked_sub(3).map(|j| &trees[j]), i.checked_sub(1).map(|j| &trees[j])) {
                            (Some(TokenTree::Ident(q)), Some(TokenTree::Punct(p))) if p.as_char() == ':' => {
                                Some(q.to_string())
                            }
                            _ => None,
                        };
                    out.push(CallRef { name: ident.to_string(), qualifier });
                }
            }
            TokenTree::Group(group) => scan_tokens_for_calls(group.stream(), out),
            _ => {}
        }
    }
}

fn mentions_fs(path: &syn::Path) -> bool {
    path.segments.iter().any(|s| matches!(s.ident.to_string().as_str(), "fs" | "File" | "OpenOptions"))
}
