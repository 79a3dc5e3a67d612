//! Request limits async-graphql does not ship: parser tokens, aliases, root fields and
//! `_entities` representations. They run in the parse hook, so a rejected document
//! costs no resolver call and no SQL statement. Depth, complexity, recursive depth and
//! directives use async-graphql's own limits (set in `build_schema`).

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{
    ExecutableDocument, Selection, SelectionSet, VariableDefinition,
};
use async_graphql::{
    ErrorExtensionValues, Positioned, ServerError, ServerResult, ValidationResult, Value, Variables,
};

/// The limits, with the defaults of the security guide.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Lexical tokens in one document (Apollo Router's `parser_max_tokens`).
    pub max_tokens: usize,
    /// Aliased fields in one document.
    pub max_aliases: usize,
    /// Fields at the root of one operation (aliases counted).
    pub max_root_fields: usize,
    /// Representations in one `_entities` call.
    pub max_representations: usize,
    /// Nesting of selection sets. Introspection (`__schema`, `__type`) is exempt: its
    /// standard query (GraphiQL's) nests `ofType` deeper than any data query needs, and
    /// it is off in production anyway.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tokens: 15_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_representations: crate::federation::MAX_REPRESENTATIONS,
            max_depth: 12,
        }
    }
}

impl ExtensionFactory for Limits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LimitsExtension(*self))
    }
}

struct LimitsExtension(Limits);

fn reject(message: String) -> ServerError {
    with_code(ServerError::new(message, None), "LIMIT_EXCEEDED")
}

/// Give an error of async-graphql's own (which carries no code) a stable `extensions.code`.
fn with_code(mut err: ServerError, code: &str) -> ServerError {
    let ext = err
        .extensions
        .get_or_insert_with(ErrorExtensionValues::default);
    if ext.get("code").is_none() {
        ext.set("code", code);
    }
    err
}

/// async-graphql's own limits, checked while parsing (recursion, directives) or validating
/// (depth, complexity), are limits too; any other parse or validation error is coded as
/// Apollo does.
fn code_of_builtin(err: &ServerError, otherwise: &'static str) -> &'static str {
    const LIMITS: [&str; 4] = [
        "The recursion depth of the query cannot be greater than",
        "The number of directives on the field",
        "Query is too complex.",
        "Query is nested too deep.",
    ];
    if LIMITS.iter().any(|l| err.message.starts_with(l)) {
        "LIMIT_EXCEEDED"
    } else {
        otherwise
    }
}

#[async_trait::async_trait]
impl Extension for LimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let limits = self.0;
        let tokens = count_tokens(query, limits.max_tokens + 1);
        if tokens > limits.max_tokens {
            return Err(reject(format!(
                "the document has more than {} tokens",
                limits.max_tokens
            )));
        }
        let doc = next.run(ctx, query, variables).await.map_err(|e| {
            let code = code_of_builtin(&e, "GRAPHQL_PARSE_FAILED");
            with_code(e, code)
        })?;
        for (_, op) in doc.operations.iter() {
            let mut seen = HashSet::new();
            if depth(&doc, &op.node.selection_set.node, &mut seen) > limits.max_depth {
                return Err(reject("Query is nested too deep.".to_owned()));
            }
        }
        let aliases = count_aliases(&doc);
        if aliases > limits.max_aliases {
            return Err(reject(format!(
                "the document has {aliases} aliases; at most {} are allowed",
                limits.max_aliases
            )));
        }
        for (_, op) in doc.operations.iter() {
            let mut seen = HashSet::new();
            let roots = count_fields(&doc, &op.node.selection_set.node, &mut seen);
            if roots > limits.max_root_fields {
                return Err(reject(format!(
                    "an operation has {roots} root fields; at most {} are allowed",
                    limits.max_root_fields
                )));
            }
        }
        if query.contains("_entities") {
            // A literal list (or a variable's default) is as long as a variable's.
            if count_representations(&doc, variables) > limits.max_representations {
                return Err(reject(format!(
                    "at most {} representations per request",
                    limits.max_representations
                )));
            }
            for (_, value) in variables.iter() {
                if let Value::List(items) = value
                    && items.len() > limits.max_representations
                {
                    return Err(reject(format!(
                        "at most {} representations per request",
                        limits.max_representations
                    )));
                }
            }
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|e| {
                    let code = code_of_builtin(&e, "GRAPHQL_VALIDATION_FAILED");
                    with_code(e, code)
                })
                .collect()
        })
    }
}

/// The representations the `_entities` fields of an operation are given, in all (the most
/// of any operation), counting literal lists, variables and variables' defaults.
fn count_representations(doc: &ExecutableDocument, variables: &Variables) -> usize {
    fn walk(
        doc: &ExecutableDocument,
        set: &SelectionSet,
        defs: &[Positioned<VariableDefinition>],
        variables: &Variables,
        seen: &mut HashSet<String>,
    ) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    let here = if f.node.name.node == "_entities" {
                        f.node
                            .get_argument("representations")
                            .and_then(|arg| {
                                arg.node
                                    .clone()
                                    .into_const_with(|name| {
                                        variables
                                            .get(&name)
                                            .cloned()
                                            .or_else(|| {
                                                defs.iter()
                                                    .find(|d| d.node.name.node == name)
                                                    .and_then(|d| d.node.default_value().cloned())
                                            })
                                            .ok_or(())
                                    })
                                    .ok()
                            })
                            .map_or(0, |v| match v {
                                Value::List(items) => items.len(),
                                _ => 1,
                            })
                    } else {
                        0
                    };
                    here + walk(doc, &f.node.selection_set.node, defs, variables, seen)
                }
                Selection::InlineFragment(f) => {
                    walk(doc, &f.node.selection_set.node, defs, variables, seen)
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    if !seen.insert(name.to_owned()) {
                        return 0;
                    }
                    doc.fragments.get(name).map_or(0, |f| {
                        walk(doc, &f.node.selection_set.node, defs, variables, seen)
                    })
                }
            })
            .sum()
    }
    doc.operations
        .iter()
        .map(|(_, op)| {
            let mut seen = HashSet::new();
            walk(
                doc,
                &op.node.selection_set.node,
                &op.node.variable_definitions,
                variables,
                &mut seen,
            )
        })
        .max()
        .unwrap_or(0)
}

/// Count GraphQL lexical tokens, stopping early past `stop`.
fn count_tokens(query: &str, stop: usize) -> usize {
    let mut n = 0;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if n >= stop {
            break;
        }
        match c {
            c if c.is_whitespace() || c == ',' || c == '\u{feff}' => {}
            '#' => {
                for c in chars.by_ref() {
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                n += 1;
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' || c == '-' => {
                n += 1;
                while chars
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                {
                    chars.next();
                }
            }
            _ => n += 1,
        }
    }
    n
}

/// The deepest nesting of fields under a selection set, not counting introspection.
fn depth(doc: &ExecutableDocument, set: &SelectionSet, seen: &mut HashSet<String>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(f) if f.node.name.node.starts_with("__") => 0,
            Selection::Field(f) => 1 + depth(doc, &f.node.selection_set.node, seen),
            Selection::InlineFragment(f) => depth(doc, &f.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.as_str();
                if !seen.insert(name.to_owned()) {
                    return 0;
                }
                let d = doc
                    .fragments
                    .get(name)
                    .map_or(0, |f| depth(doc, &f.node.selection_set.node, seen));
                seen.remove(name);
                d
            }
        })
        .max()
        .unwrap_or(0)
}

fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let ops: usize = doc
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let frags: usize = doc
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node))
        .sum();
    ops + frags
}

fn count_fields(doc: &ExecutableDocument, set: &SelectionSet, seen: &mut HashSet<String>) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(_) => 1,
            Selection::InlineFragment(f) => count_fields(doc, &f.node.selection_set.node, seen),
            Selection::FragmentSpread(spread) => {
                let name = spread.node.fragment_name.node.to_string();
                if !seen.insert(name.clone()) {
                    return 0;
                }
                doc.fragments
                    .get(spread.node.fragment_name.node.as_str())
                    .map(|f| count_fields(doc, &f.node.selection_set.node, seen))
                    .unwrap_or(0)
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_counted_like_a_lexer() {
        // `{` `me` `{` `id` `name` `}` `}`
        assert_eq!(count_tokens("{ me { id name } }", 100), 7);
        // `$` and a variable's name are two tokens; commas are none; a string is one.
        assert_eq!(
            count_tokens("query Q($a: Int = 3) { x(a: $a, s: \"a b { }\") }", 100),
            22
        );
        assert_eq!(count_tokens("# comment\n{ a }", 100), 3);
    }
}
