//! The SCIM-style expression language shared by user `search`/`filter` and System Log
//! `filter`: `attr op "value"` comparisons, `attr pr`, `and`, `or` and parentheses.
//!
//! String literals must be valid JSON strings (`\"` and `\\` escapes). Operators and the
//! keywords `and`/`or` are case-insensitive; attribute names are case-sensitive. Matching is
//! done on a JSON document by dotted path, where arrays match when any element matches.

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// Equal.
    Eq,
    /// Starts with.
    Sw,
    /// Contains.
    Co,
    /// Present (not null).
    Pr,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
}

impl Operator {
    fn parse(word: &str) -> Option<Operator> {
        match word.to_ascii_lowercase().as_str() {
            "eq" => Some(Operator::Eq),
            "sw" => Some(Operator::Sw),
            "co" => Some(Operator::Co),
            "pr" => Some(Operator::Pr),
            "gt" => Some(Operator::Gt),
            "ge" => Some(Operator::Ge),
            "lt" => Some(Operator::Lt),
            "le" => Some(Operator::Le),
            _ => None,
        }
    }
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A JSON string literal, already unescaped.
    Text(String),
    /// A number.
    Number(f64),
    /// `true` or `false`.
    Boolean(bool),
    /// `null`.
    Null,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Both sides must match.
    And(Box<Expr>, Box<Expr>),
    /// Either side must match.
    Or(Box<Expr>, Box<Expr>),
    /// `attribute operator literal`, or `attribute pr` (then `literal` is `Null`).
    Compare {
        /// Dotted attribute path, for example `profile.login`.
        attribute: String,
        /// The operator.
        operator: Operator,
        /// The right-hand side.
        literal: Literal,
    },
}

/// Why an expression could not be parsed; `position` is a 0-based character offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What went wrong, in Okta's wording where known.
    pub message: String,
    /// Character offset of the offending token.
    pub position: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Open,
    Close,
    Word(String),
    Text(String),
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    position: usize,
}

fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        if c.is_whitespace() {
            index += 1;
        } else if c == '(' || c == ')' {
            let kind = if c == '(' {
                TokenKind::Open
            } else {
                TokenKind::Close
            };
            tokens.push(Token {
                kind,
                position: index,
            });
            index += 1;
        } else if c == '"' {
            let start = index;
            index += 1;
            let mut escaped = false;
            while index < chars.len() && (escaped || chars[index] != '"') {
                escaped = !escaped && chars[index] == '\\';
                index += 1;
            }
            if index >= chars.len() {
                return Err(ParseError {
                    message: "Unterminated string literal".to_string(),
                    position: start,
                });
            }
            index += 1;
            let raw: String = chars[start..index].iter().collect();
            let text: String = serde_json::from_str(&raw).map_err(|_| ParseError {
                message: "Invalid string literal".to_string(),
                position: start,
            })?;
            tokens.push(Token {
                kind: TokenKind::Text(text),
                position: start,
            });
        } else {
            let start = index;
            while index < chars.len()
                && !chars[index].is_whitespace()
                && !matches!(chars[index], '(' | ')' | '"')
            {
                index += 1;
            }
            let word: String = chars[start..index].iter().collect();
            tokens.push(Token {
                kind: TokenKind::Word(word),
                position: start,
            });
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        let position = self.peek().map_or(self.end, |token| token.position);
        ParseError {
            message: message.into(),
            position,
        }
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Word(w), .. })
            if w.eq_ignore_ascii_case(keyword))
    }

    fn parse_or(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_and()?;
        while self.peek_keyword("or") {
            self.next += 1;
            let right = self.parse_and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.parse_primary()?;
        while self.peek_keyword("and") {
            self.next += 1;
            let right = self.parse_primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_primary(&mut self) -> Result<Expr, ParseError> {
        let token = self
            .peek()
            .cloned()
            .ok_or_else(|| self.error("Unexpected end of expression"))?;
        match token.kind {
            TokenKind::Open => {
                self.next += 1;
                let inner = self.parse_or()?;
                match self.peek() {
                    Some(Token {
                        kind: TokenKind::Close,
                        ..
                    }) => {
                        self.next += 1;
                        Ok(inner)
                    }
                    _ => Err(self.error("Expected ')'")),
                }
            }
            TokenKind::Word(attribute) if is_attribute_name(&attribute) => {
                self.next += 1;
                self.parse_comparison(attribute)
            }
            _ => Err(self.error("Expected an attribute name")),
        }
    }

    fn parse_comparison(&mut self, attribute: String) -> Result<Expr, ParseError> {
        let operator = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Word(word),
                position,
            }) => Operator::parse(&word).ok_or_else(|| ParseError {
                message: format!(
                    "Unrecognized attribute operator '{word}'. \
                         Expected: eq,co,sw,pr,gt,ge,lt,le"
                ),
                position,
            })?,
            _ => return Err(self.error("Expected an attribute operator")),
        };
        self.next += 1;
        if operator == Operator::Pr {
            return Ok(Expr::Compare {
                attribute,
                operator,
                literal: Literal::Null,
            });
        }
        let literal = match self.peek().cloned() {
            Some(Token {
                kind: TokenKind::Text(text),
                ..
            }) => Literal::Text(text),
            Some(Token {
                kind: TokenKind::Word(word),
                ..
            }) => match word.as_str() {
                "true" => Literal::Boolean(true),
                "false" => Literal::Boolean(false),
                "null" => Literal::Null,
                number => Literal::Number(
                    number
                        .parse::<f64>()
                        .map_err(|_| self.error("Expected a value"))?,
                ),
            },
            _ => return Err(self.error("Expected a value")),
        };
        self.next += 1;
        Ok(Expr::Compare {
            attribute,
            operator,
            literal,
        })
    }
}

fn is_attribute_name(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'))
}

/// Parses an expression.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize(input)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        end: input.chars().count(),
    };
    let expr = parser.parse_or()?;
    if parser.peek().is_some() {
        return Err(parser.error("Unexpected token"));
    }
    Ok(expr)
}

impl Expr {
    /// Calls `check` on every comparison; the first error is returned.
    pub fn check_comparisons<E>(
        &self,
        check: &mut impl FnMut(&str, Operator, &Literal) -> Result<(), E>,
    ) -> Result<(), E> {
        match self {
            Expr::And(left, right) | Expr::Or(left, right) => {
                left.check_comparisons(check)?;
                right.check_comparisons(check)
            }
            Expr::Compare {
                attribute,
                operator,
                literal,
            } => check(attribute, *operator, literal),
        }
    }

    /// Whether `document` matches; string comparisons ignore case when `ignore_case` is set.
    pub fn matches(&self, document: &Value, ignore_case: bool) -> bool {
        match self {
            Expr::And(left, right) => {
                left.matches(document, ignore_case) && right.matches(document, ignore_case)
            }
            Expr::Or(left, right) => {
                left.matches(document, ignore_case) || right.matches(document, ignore_case)
            }
            Expr::Compare {
                attribute,
                operator,
                literal,
            } => {
                let mut values = Vec::new();
                collect_values(
                    document,
                    &attribute.split('.').collect::<Vec<_>>(),
                    &mut values,
                );
                match operator {
                    Operator::Pr => values.iter().any(|value| !value.is_null()),
                    _ if values.is_empty() => {
                        *operator == Operator::Eq && *literal == Literal::Null
                    }
                    _ => values
                        .iter()
                        .any(|value| compare(value, *operator, literal, ignore_case)),
                }
            }
        }
    }
}

/// Collects the values at a dotted path; arrays on the way are flattened.
pub fn collect_values<'a>(value: &'a Value, path: &[&str], out: &mut Vec<&'a Value>) {
    if let Value::Array(items) = value {
        for item in items {
            collect_values(item, path, out);
        }
        return;
    }
    match path.split_first() {
        None => out.push(value),
        Some((head, rest)) => {
            if let Some(child) = value.as_object().and_then(|object| object.get(*head)) {
                collect_values(child, rest, out);
            }
        }
    }
}

fn compare(value: &Value, operator: Operator, literal: &Literal, ignore_case: bool) -> bool {
    match literal {
        Literal::Null => value.is_null() == (operator == Operator::Eq),
        Literal::Boolean(expected) => {
            value.as_bool() == Some(*expected) && operator == Operator::Eq
        }
        Literal::Number(expected) => {
            let actual = match value {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.parse::<f64>().ok(),
                _ => None,
            };
            actual
                .and_then(|a| a.partial_cmp(expected))
                .is_some_and(|o| ordering_ok(o, operator))
        }
        Literal::Text(expected) => {
            let actual = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return false,
            };
            let (actual, expected) = if ignore_case {
                (actual.to_lowercase(), expected.to_lowercase())
            } else {
                (actual, expected.clone())
            };
            match operator {
                Operator::Eq => actual == expected,
                Operator::Sw => actual.starts_with(&expected),
                Operator::Co => actual.contains(&expected),
                _ => {
                    let ordering = match (actual.parse::<f64>(), expected.parse::<f64>()) {
                        (Ok(a), Ok(b)) => a.partial_cmp(&b),
                        _ => Some(actual.cmp(&expected)),
                    };
                    ordering.is_some_and(|o| ordering_ok(o, operator))
                }
            }
        }
    }
}

fn ordering_ok(ordering: Ordering, operator: Operator) -> bool {
    match operator {
        Operator::Eq => ordering == Ordering::Equal,
        Operator::Gt => ordering == Ordering::Greater,
        Operator::Ge => ordering != Ordering::Less,
        Operator::Lt => ordering == Ordering::Less,
        Operator::Le => ordering != Ordering::Greater,
        Operator::Sw | Operator::Co | Operator::Pr => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_escapes_and_precedence() {
        let expr =
            parse(r#"profile.lastName eq "bob\"smi\\th" or status EQ "x" and id sw "0""#).unwrap();
        assert!(expr.matches(&json!({"profile": {"lastName": "Bob\"Smi\\th"}}), true));
        assert!(!expr.matches(&json!({"profile": {"lastName": "Bob\"Smi\\th"}}), false));
        assert!(!expr.matches(&json!({"status": "x", "id": "1"}), true));
    }

    #[test]
    fn reports_operator_position() {
        let error = parse(r#"display_message eqq "Create okta user""#).unwrap_err();
        assert_eq!(error.position, 16);
        assert!(error.message.contains("'eqq'"));
    }

    #[test]
    fn arrays_match_any_element() {
        let expr = parse(r#"target.id eq "00u1""#).unwrap();
        assert!(expr.matches(&json!({"target": [{"id": "x"}, {"id": "00u1"}]}), false));
    }
}
