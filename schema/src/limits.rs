//! Request limits async-graphql does not ship: parser tokens, aliases, root fields and
//! `_entities` representations. They run in the parse hook, so a rejected document
//! costs no resolver call and no SQL statement. Depth, complexity, recursive depth and
//! directives use async-graphql's own limits (set in `build_schema`).

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, ServerError, ServerResult, Value, Variables};

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_tokens: 15_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_representations: crate::federation::MAX_REPRESENTATIONS,
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
    let mut err = ServerError::new(message, None);
    let mut ext = ErrorExtensionValues::default();
    ext.set("code", "LIMIT_EXCEEDED");
    err.extensions = Some(ext);
    err
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
        let doc = next.run(ctx, query, variables).await?;
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
        assert_eq!(count_tokens("{ me { id name } }", 100), 6);
        assert_eq!(
            count_tokens("query Q($a: Int = 3) { x(a: $a, s: \"a b { }\") }", 100),
            20
        );
        assert_eq!(count_tokens("# comment\n{ a }", 100), 3);
    }
}
