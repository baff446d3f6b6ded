//! Text from the cloud made safe for a terminal.
//!
//! Names, descriptions, raw statuses, error codes, messages and request ids come from the server.
//! Printed as they are, an ESC or BEL in them would be read by the terminal as a command: OSC 52
//! writes the clipboard, OSC 0 the window title, CSI sequences recolour or overwrite earlier lines,
//! and a CR or LF forges an extra log line. Bidirectional overrides reorder what is displayed
//! (CVE-2021-42574, "Trojan Source"). Every such character is shown as a visible escape instead,
//! in table output, in the error line and in log lines. JSON output is left to serde, which
//! escapes controls itself and keeps everything else exact.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal as it is: C0 and C1 controls (ESC, BEL, CR, LF, TAB...),
/// DEL, the Unicode bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), and
/// the line and paragraph separators U+2028/U+2029, which some log viewers break lines at.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `text` with every [unsafe](is_unsafe) character replaced by a visible escape (`\n`, `\r`,
/// `\t`, `\x1b`, `\u{202e}`); borrowed when there is nothing to escape.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len().saturating_add(16));
    for c in text.chars() {
        push(&mut escaped, c);
    }
    Cow::Owned(escaped)
}

fn push(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if !is_unsafe(c) => out.push(c),
        c if u32::from(c) <= 0xFF => {
            let _ = write!(out, "\\x{:02x}", u32::from(c));
        }
        c => {
            let _ = write!(out, "\\u{{{:04x}}}", u32::from(c));
        }
    }
}

/// A writer for log lines: each write is one formatted event (tracing-subscriber's fmt layer
/// writes an event with one `write_all`), escaped as a whole except for the newline that ends it.
/// Invalid UTF-8 is written as U+FFFD.
pub struct Escaping<W>(pub W);

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let line = String::from_utf8_lossy(buf);
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line.as_ref(), ""),
        };
        let escaped = text(body);
        self.0.write_all(escaped.as_bytes())?;
        self.0.write_all(end.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_commands_and_bidi_controls_become_visible_escapes() {
        let hostile =
            "a\u{1b}]52;c;aGk=\u{7}b\r\nc\u{9b}31m\u{7f}\u{202e}d\u{2066}\u{200f}\u{61c}\t";
        assert_eq!(
            text(hostile),
            "a\\x1b]52;c;aGk=\\x07b\\r\\nc\\x9b31m\\x7f\\u{202e}d\\u{2066}\\u{200f}\\u{061c}\\t"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for plain in ["web-1", "前端 入口", "Ünïcødé — fine", ""] {
            assert!(matches!(text(plain), Cow::Borrowed(s) if s == plain));
        }
    }

    #[test]
    fn a_log_line_keeps_its_final_newline_only() {
        let mut out = Vec::new();
        let mut writer = Escaping(&mut out);
        writer
            .write_all(b"WARN retrying: \x1b[2J forged\nline\n")
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&out),
            "WARN retrying: \\x1b[2J forged\\nline\n"
        );
    }
}
