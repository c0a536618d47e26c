//! Exact byte ranges of the items of a Garmin webhook body `{"<type>": [{..}, ..], ..}`, so that
//! each pushed item travels on byte for byte (never re-serialized).

use std::ops::Range;

/// One top-level list: its key and the byte range of each element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct List {
    pub(super) key: String,
    pub(super) items: Vec<Range<usize>>,
}

/// The lists of a JSON object body, in document order. Keys whose value is not an array are
/// skipped. Fails on anything that is not a well-formed JSON object.
pub(super) fn lists(body: &[u8]) -> Result<Vec<List>, String> {
    // Validate first: the scanner below then only has to find boundaries.
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if !value.is_object() {
        return Err("expected a JSON object".into());
    }
    let mut scanner = Scanner { body, pos: 0 };
    scanner.ws();
    scanner.expect(b'{')?;
    let mut lists = Vec::new();
    loop {
        scanner.ws();
        if scanner.eat(b'}') {
            return Ok(lists);
        }
        let key_start = scanner.pos;
        scanner.string()?;
        let key: String = serde_json::from_slice(&body[key_start..scanner.pos])
            .map_err(|e| format!("object key: {e}"))?;
        scanner.ws();
        scanner.expect(b':')?;
        scanner.ws();
        if scanner.peek() == Some(b'[') {
            lists.push(List {
                key,
                items: scanner.array_items()?,
            });
        } else {
            scanner.value()?;
        }
        scanner.ws();
        if !scanner.eat(b',') {
            scanner.expect(b'}')?;
            return Ok(lists);
        }
    }
}

struct Scanner<'a> {
    body: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.body.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(format!("expected `{}` at byte {}", byte as char, self.pos))
        }
    }

    /// Skips a string starting at the opening quote.
    fn string(&mut self) -> Result<(), String> {
        self.expect(b'"')?;
        while let Some(byte) = self.peek() {
            self.pos += 1;
            match byte {
                b'\\' => self.pos += 1,
                b'"' => return Ok(()),
                _ => {}
            }
        }
        Err("unterminated string".into())
    }

    /// Skips one value of any kind.
    fn value(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'"') => self.string(),
            Some(b'{' | b'[') => {
                let mut depth = 0usize;
                while let Some(byte) = self.peek() {
                    match byte {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += 1;
                                return Ok(());
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                Err("unterminated container".into())
            }
            Some(_) => {
                while let Some(byte) = self.peek() {
                    if matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.pos += 1;
                }
                Ok(())
            }
            None => Err("unexpected end of body".into()),
        }
    }

    /// The byte ranges of an array's elements, starting at `[`.
    fn array_items(&mut self) -> Result<Vec<Range<usize>>, String> {
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(items);
        }
        loop {
            self.ws();
            let start = self.pos;
            self.value()?;
            items.push(start..self.pos);
            self.ws();
            if !self.eat(b',') {
                self.expect(b']')?;
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slices(body: &[u8]) -> Vec<(String, Vec<String>)> {
        lists(body)
            .unwrap()
            .into_iter()
            .map(|l| {
                let items = l
                    .items
                    .into_iter()
                    .map(|r| String::from_utf8(body[r].to_vec()).unwrap())
                    .collect();
                (l.key, items)
            })
            .collect()
    }

    #[test]
    fn items_are_sliced_byte_for_byte_with_their_spacing_and_escapes() {
        let body = br#" { "dailies" : [ {"a": "x]\"}", "b": [1, {"c": 2}]} ,{"d":1.50} ],
            "skip": {"not": ["a list"]}, "x\u0041": [], "epochs":[{"e":"\\"}] } "#;
        assert_eq!(
            slices(body),
            vec![
                (
                    "dailies".to_owned(),
                    vec![
                        r#"{"a": "x]\"}", "b": [1, {"c": 2}]}"#.to_owned(),
                        r#"{"d":1.50}"#.to_owned()
                    ]
                ),
                ("xA".to_owned(), vec![]),
                ("epochs".to_owned(), vec![r#"{"e":"\\"}"#.to_owned()]),
            ]
        );
    }

    #[test]
    fn non_objects_and_broken_json_are_errors() {
        assert!(lists(b"[1,2]").is_err());
        assert!(lists(b"{\"a\": [1,").is_err());
        assert!(lists(b"").is_err());
        assert_eq!(lists(b"{}").unwrap(), Vec::new());
    }
}
