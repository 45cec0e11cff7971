//! Wrapping text to a width in columns, for English and Chinese alike.
//! Line break opportunities come from the Unicode line breaking algorithm
//! (UAX #14, `unicode-linebreak`), which breaks between CJK characters but
//! never before closing punctuation such as `，` or `）`. Of those, a line
//! breaks only after a space or next to a wide character: a Latin word,
//! a command name or a path (`glance-wizard`, `PgUp/PgDn`) stays whole
//! inside Chinese text too. A piece wider than the line breaks anywhere.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Splits text into lines of at most `width` columns; `\n` starts a new
/// line.
pub fn wrap(s: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for para in s.split('\n') {
        let mut line = Line::default();
        for piece in pieces(para) {
            line.place(piece, width, &mut out);
        }
        out.push(line.text.trim_end().to_string());
    }
    out
}

/// `para` cut at the places a line may break.
fn pieces(para: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    unicode_linebreak::linebreaks(para)
        .map(|(at, _)| at)
        .filter(move |&at| at == para.len() || breaks_between(&para[..at], &para[at..]))
        .map(move |at| {
            let piece = &para[start..at];
            start = at;
            piece
        })
}

/// Whether a break the algorithm allows is taken: after a space, or next
/// to a wide (CJK) character; not inside a run of Latin text.
fn breaks_between(before: &str, after: &str) -> bool {
    let wide = |c: Option<char>| c.is_some_and(|c| c.width().unwrap_or(0) > 1);
    let last = before.chars().next_back();
    last == Some(' ') || wide(last) || wide(after.chars().next())
}

/// The line being filled.
#[derive(Default)]
struct Line {
    text: String,
    /// Its width in columns.
    used: usize,
}

impl Line {
    /// Adds `piece`, first moving to a new line when it does not fit (a
    /// trailing space may hang past the end: it is cut off).
    fn place(&mut self, piece: &str, width: usize, out: &mut Vec<String>) {
        let (piece_width, visible) = (piece.width(), piece.trim_end().width());
        if self.used + visible > width && !self.text.is_empty() {
            self.finish(out);
        }
        if visible > width {
            for c in piece.chars() {
                let cw = c.width().unwrap_or(0);
                if self.used + cw > width && !self.text.is_empty() {
                    self.finish(out);
                }
                self.text.push(c);
                self.used += cw;
            }
        } else {
            self.text.push_str(piece);
            self.used += piece_width;
        }
    }

    fn finish(&mut self, out: &mut Vec<String>) {
        out.push(self.text.trim_end().to_string());
        self.text.clear();
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin words stay whole, in English and inside Chinese text; Chinese
    /// breaks between characters, never before closing punctuation; every
    /// line fits.
    #[test]
    fn latin_words_stay_whole_and_chinese_breaks_per_character() {
        let zh =
            "选择 socket 时，glance-wizard 通过 unix socket 以 root 身份登录（Debian、Ubuntu）。";
        // From the width of the longest piece, `glance-wizard`, up.
        for width in 13..40 {
            let lines = wrap(zh, width);
            assert_eq!(
                lines.concat().replace(' ', ""),
                zh.replace(' ', ""),
                "{width}"
            );
            for l in &lines {
                assert!(l.width() <= width, "{l:?} wider than {width}");
                assert!(!l.starts_with(['，', '。', '）', '、']), "{l:?} at {width}");
            }
            let words: Vec<&str> = lines.iter().flat_map(|l| l.split(' ')).collect();
            for word in ["glance-wizard", "socket", "Ubuntu）。"] {
                let whole = words.iter().any(|w| w.contains(word));
                assert!(whole, "{word} split at {width}: {lines:?}");
            }
        }
        assert_eq!(
            wrap("the glance-wizard tool", 15),
            ["the", "glance-wizard", "tool"]
        );
        assert_eq!(wrap("中文字符", 4), ["中文", "字符"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("one\ntwo", 10), ["one", "two"]);
    }
}
