//! The part of XLSForm's XPath expressions that fieldwork can represent, parsed properly.
//!
//! `relevant` and `constraint` cells are XPath 1.0 with ODK's `${name}` references. This is a
//! tokenizer and a recursive-descent parser for the subset: literals, `.`, `${name}`, function
//! calls, the comparisons `= != < <= > >=`, `and`, `or` and parentheses, with XPath's
//! precedence (`or` below `and` below comparison). Anything else (arithmetic, paths, `div`) is
//! a parse error naming what was found and where, so a cell is never half-understood: what the
//! tree means is decided afterwards, by [`crate::conditions`] and [`crate::constraints`].

use std::fmt;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Compare(Box<Expr>, Comparison, Box<Expr>),
    Call(String, Vec<Expr>),
    /// `${name}`: another question's answer.
    Reference(String),
    /// `.`: this question's answer.
    Current,
    String(String),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

impl Comparison {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Comparison::Equal => "=",
            Comparison::NotEqual => "!=",
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Greater => ">",
            Comparison::GreaterOrEqual => ">=",
        }
    }

    /// The same test with its sides swapped (`3 < .` is `. > 3`).
    pub(crate) fn flipped(self) -> Comparison {
        match self {
            Comparison::Less => Comparison::Greater,
            Comparison::LessOrEqual => Comparison::GreaterOrEqual,
            Comparison::Greater => Comparison::Less,
            Comparison::GreaterOrEqual => Comparison::LessOrEqual,
            same => same,
        }
    }
}

impl fmt::Display for Expr {
    /// The expression written back as XPath (for messages).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, parts: &[Expr], word: &str| {
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    write!(f, " {word} ")?;
                }
                match part {
                    Expr::Or(_) | Expr::And(_) => write!(f, "({part})")?,
                    _ => write!(f, "{part}")?,
                }
            }
            Ok(())
        };
        match self {
            Expr::Or(parts) => joined(f, parts, "or"),
            Expr::And(parts) => joined(f, parts, "and"),
            Expr::Compare(left, op, right) => write!(f, "{left} {} {right}", op.symbol()),
            Expr::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                write!(f, ")")
            }
            Expr::Reference(name) => write!(f, "${{{name}}}"),
            Expr::Current => write!(f, "."),
            Expr::String(text) => write!(f, "{}", quoted(text)),
            Expr::Number(number) => write!(f, "{}", number_literal(*number)),
        }
    }
}

/// A string literal: XPath has no escapes, so the quote not in the text is used.
pub(crate) fn quoted(text: &str) -> String {
    if text.contains('\'') {
        format!("\"{text}\"")
    } else {
        format!("'{text}'")
    }
}

/// A number as XPath writes it: whole numbers without a decimal point.
pub(crate) fn number_literal(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    }
}

/// Why an expression could not be parsed, and at which character (counted from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) position: usize,
    pub(crate) message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position)
    }
}

/// The longest expression read, so that a hostile cell cannot recurse the parser deep.
const MAX_EXPRESSION_CHARS: usize = 4000;
const MAX_DEPTH: usize = 64;

pub(crate) fn parse(text: &str) -> Result<Expr, SyntaxError> {
    if text.chars().count() > MAX_EXPRESSION_CHARS {
        return Err(SyntaxError {
            position: 1,
            message: format!("the expression is longer than {MAX_EXPRESSION_CHARS} characters"),
        });
    }
    let tokens = tokenize(text)?;
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        end: text.chars().count() + 1,
    };
    let expr = parser.or_expr()?;
    match parser.peek() {
        None => Ok(expr),
        Some(token) => Err(parser.error_at(
            token.position,
            match &token.kind {
                TokenKind::Other(c) => outside_subset(*c),
                TokenKind::Name(name) if name == "div" || name == "mod" => outside_subset('/'),
                other => format!("unexpected {other} after a complete expression"),
            },
        )),
    }
}

/// Why a character outside the subset is refused.
fn outside_subset(c: char) -> String {
    match c {
        '+' | '-' | '*' | '/' => format!(
            "arithmetic (`{c}`) is not supported: fieldwork compares answers with fixed values \
             only"
        ),
        '[' | ']' => "predicates (`[...]`) are not supported".to_owned(),
        _ => format!("`{c}` is not part of the expressions fieldwork reads"),
    }
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Reference(String),
    String(String),
    Number(f64),
    Name(String),
    Dot,
    Comparison(Comparison),
    Open,
    Close,
    Comma,
    /// Something outside the subset (`+`, `/`, `[`...), kept to be named in the error.
    Other(char),
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenKind::Reference(name) => write!(f, "`${{{name}}}`"),
            TokenKind::String(text) => write!(f, "the string {}", quoted(text)),
            TokenKind::Number(n) => write!(f, "the number {}", number_literal(*n)),
            TokenKind::Name(name) => write!(f, "`{name}`"),
            TokenKind::Dot => write!(f, "`.`"),
            TokenKind::Comparison(op) => write!(f, "`{}`", op.symbol()),
            TokenKind::Open => write!(f, "`(`"),
            TokenKind::Close => write!(f, "`)`"),
            TokenKind::Comma => write!(f, "`,`"),
            TokenKind::Other(c) => write!(f, "`{c}`"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    position: usize,
}

fn tokenize(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        let error = |message: String| SyntaxError { position, message };
        let kind = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '$' => {
                if chars.get(i + 1) != Some(&'{') {
                    return Err(error("`$` must start a reference such as `${age}`".into()));
                }
                let start = i + 2;
                let Some(length) = chars[start..].iter().position(|&c| c == '}') else {
                    return Err(error("`${` is never closed with `}`".into()));
                };
                let name: String = chars[start..start + length].iter().collect();
                if name.trim().is_empty() {
                    return Err(error("`${}` names no question".into()));
                }
                i = start + length + 1;
                TokenKind::Reference(name.trim().to_owned())
            }
            '\'' | '"' => {
                let start = i + 1;
                let Some(length) = chars[start..].iter().position(|&q| q == c) else {
                    return Err(error(format!(
                        "the string starting here is never closed with {c}"
                    )));
                };
                i = start + length + 1;
                TokenKind::String(chars[start..start + length].iter().collect())
            }
            c if c.is_ascii_digit()
                || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                    i += 1;
                }
                let literal: String = chars[start..i].iter().collect();
                let number = literal
                    .parse::<f64>()
                    .map_err(|_| error(format!("`{literal}` is not a number")))?;
                TokenKind::Number(number)
            }
            '.' => {
                i += 1;
                if chars.get(i) == Some(&'.') {
                    return Err(error("`..` (the parent) is not supported".into()));
                }
                TokenKind::Dot
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '-' | ':'))
                {
                    i += 1;
                }
                TokenKind::Name(chars[start..i].iter().collect())
            }
            '=' => {
                i += 1;
                TokenKind::Comparison(Comparison::Equal)
            }
            '!' if chars.get(i + 1) == Some(&'=') => {
                i += 2;
                TokenKind::Comparison(Comparison::NotEqual)
            }
            '<' | '>' => {
                let or_equal = chars.get(i + 1) == Some(&'=');
                i += if or_equal { 2 } else { 1 };
                TokenKind::Comparison(match (c, or_equal) {
                    ('<', false) => Comparison::Less,
                    ('<', true) => Comparison::LessOrEqual,
                    ('>', false) => Comparison::Greater,
                    _ => Comparison::GreaterOrEqual,
                })
            }
            '(' => {
                i += 1;
                TokenKind::Open
            }
            ')' => {
                i += 1;
                TokenKind::Close
            }
            ',' => {
                i += 1;
                TokenKind::Comma
            }
            other => {
                i += 1;
                TokenKind::Other(other)
            }
        };
        tokens.push(Token { kind, position });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
    /// The position reported for "the expression ends too soon".
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn error_at(&self, position: usize, message: String) -> SyntaxError {
        SyntaxError { position, message }
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token { kind: TokenKind::Name(name), .. }) if name == word)
    }

    fn or_expr(&mut self) -> Result<Expr, SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                self.peek().map_or(self.end, |t| t.position),
                format!("the expression nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut parts = vec![self.and_expr()?];
        while self.is_word("or") {
            self.next += 1;
            parts.push(self.and_expr()?);
        }
        self.depth -= 1;
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and_expr(&mut self) -> Result<Expr, SyntaxError> {
        let mut parts = vec![self.comparison()?];
        while self.is_word("and") {
            self.next += 1;
            parts.push(self.comparison()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn comparison(&mut self) -> Result<Expr, SyntaxError> {
        let left = self.primary()?;
        if let Some(Token {
            kind: TokenKind::Comparison(op),
            ..
        }) = self.peek()
        {
            let op = *op;
            self.next += 1;
            let right = self.primary()?;
            if let Some(Token {
                kind: TokenKind::Comparison(_),
                position,
            }) = self.peek()
            {
                return Err(self.error_at(
                    *position,
                    "comparisons cannot be chained: join them with `and`".into(),
                ));
            }
            return Ok(Expr::Compare(Box::new(left), op, Box::new(right)));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, SyntaxError> {
        let Some(token) = self.tokens.get(self.next).cloned() else {
            return Err(self.error_at(self.end, "the expression ends too soon".into()));
        };
        self.next += 1;
        match token.kind {
            TokenKind::Reference(name) => Ok(Expr::Reference(name)),
            TokenKind::String(text) => Ok(Expr::String(text)),
            TokenKind::Number(number) => Ok(Expr::Number(number)),
            TokenKind::Dot => Ok(Expr::Current),
            TokenKind::Open => {
                let inner = self.or_expr()?;
                self.expect_close(token.position)?;
                Ok(inner)
            }
            TokenKind::Name(name) => {
                if !matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Open)) {
                    return Err(self.error_at(
                        token.position,
                        format!(
                            "`{name}` is neither a function call nor a reference: refer to a \
                             question as `${{{name}}}`, and quote text as '{name}'"
                        ),
                    ));
                }
                self.next += 1;
                let mut args = Vec::new();
                if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Close)) {
                    self.next += 1;
                    return Ok(Expr::Call(name, args));
                }
                loop {
                    args.push(self.or_expr()?);
                    match self.peek().map(|t| t.kind.clone()) {
                        Some(TokenKind::Comma) => self.next += 1,
                        _ => break,
                    }
                }
                self.expect_close(token.position)?;
                Ok(Expr::Call(name, args))
            }
            TokenKind::Comparison(_) | TokenKind::Close | TokenKind::Comma => Err(self.error_at(
                token.position,
                format!("expected a value, found {}", token.kind),
            )),
            TokenKind::Other('-')
                if matches!(self.peek().map(|t| &t.kind), Some(TokenKind::Number(_))) =>
            {
                let negated = match self.peek().map(|t| &t.kind) {
                    Some(TokenKind::Number(number)) => -number,
                    _ => 0.0,
                };
                self.next += 1;
                Ok(Expr::Number(negated))
            }
            TokenKind::Other('/') => Err(self.error_at(
                token.position,
                "paths (`/data/...`) are not supported: refer to questions as `${name}`".into(),
            )),
            TokenKind::Other(c) => Err(self.error_at(token.position, outside_subset(c))),
        }
    }

    fn expect_close(&mut self, opened_at: usize) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(Token {
                kind: TokenKind::Close,
                ..
            }) => {
                self.next += 1;
                Ok(())
            }
            Some(token) => Err(self.error_at(
                token.position,
                format!(
                    "expected `)` to close the `(` at character {opened_at}, found {}",
                    token.kind
                ),
            )),
            None => Err(self.error_at(
                self.end,
                format!("the `(` at character {opened_at} is never closed"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(name: &str) -> Box<Expr> {
        Box::new(Expr::Reference(name.into()))
    }

    #[test]
    fn precedence_is_xpaths_or_below_and_below_comparison() {
        let parsed = parse("${a} = 'x' or ${b} != 'y' and selected(${c}, 'z')").unwrap();
        assert_eq!(
            parsed,
            Expr::Or(vec![
                Expr::Compare(
                    reference("a"),
                    Comparison::Equal,
                    Box::new(Expr::String("x".into()))
                ),
                Expr::And(vec![
                    Expr::Compare(
                        reference("b"),
                        Comparison::NotEqual,
                        Box::new(Expr::String("y".into()))
                    ),
                    Expr::Call(
                        "selected".into(),
                        vec![Expr::Reference("c".into()), Expr::String("z".into())]
                    ),
                ]),
            ])
        );
    }

    #[test]
    fn parentheses_group_and_numbers_compare() {
        let parsed = parse("(. >= 0.5 or . < 2) and not(. = 1)").unwrap();
        let Expr::And(parts) = parsed else {
            panic!("expected and, got {parsed:?}")
        };
        assert!(matches!(&parts[0], Expr::Or(or) if or.len() == 2));
        assert_eq!(
            parts[1],
            Expr::Call(
                "not".into(),
                vec![Expr::Compare(
                    Box::new(Expr::Current),
                    Comparison::Equal,
                    Box::new(Expr::Number(1.0))
                )]
            )
        );
    }

    #[test]
    fn errors_name_what_and_where() {
        let cases = [
            ("${age} + 1 > 3", 8, "arithmetic"),
            ("${a} = 'x", 8, "never closed"),
            ("(${a} = 'x'", 12, "never closed"),
            ("${a} = yes", 8, "neither a function call"),
            ("/data/a = 'x'", 1, "paths"),
            ("${a} =", 7, "ends too soon"),
            ("1 < . < 3", 7, "chained"),
            ("${a} = 'x' 'y'", 12, "after a complete expression"),
        ];
        for (text, position, words) in cases {
            let error = parse(text).unwrap_err();
            assert_eq!(error.position, position, "{text}: {error}");
            assert!(error.message.contains(words), "{text}: {error}");
        }
    }

    #[test]
    fn a_hostile_nest_is_refused_not_overflowed() {
        let deep = format!("{}1{}", "(".repeat(500), ")".repeat(500));
        assert!(parse(&deep).unwrap_err().message.contains("nests deeper"));
        let long = "1 = 1 and ".repeat(1000);
        assert!(parse(&long).unwrap_err().message.contains("longer than"));
    }

    #[test]
    fn display_writes_back_what_parses_the_same() {
        for text in [
            "${a} = 'x' or (${b} != 'y' and selected(${c}, \"it's\"))",
            "count-selected(.) >= 1 and not(selected(., 'none') and count-selected(.) > 1)",
            ". >= -5 and . <= 2.5",
        ] {
            let parsed = parse(text).unwrap();
            assert_eq!(parse(&parsed.to_string()).unwrap(), parsed, "{text}");
        }
    }
}
