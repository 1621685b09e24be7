//! Just enough of the Dockerfile grammar to point at the line of a build step: the engine reports
//! "Step N/M : INSTRUCTION", and N counts instructions in file order.

/// One instruction: the line it starts on (1-based) and its text with continuations joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    pub line: usize,
    pub text: String,
}

/// The instructions of a Dockerfile in order, as the builder's parser splits them: parser
/// directives (`# escape=`) at the top, comment lines dropped (also inside continuations), a line
/// ending in the escape character continues on the next.
pub fn instructions(source: &str) -> Vec<Instruction> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let lines: Vec<&str> = source.lines().collect();
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: `# key=value` lines before anything else.
    while i < lines.len() {
        let Some(body) = lines[i].trim_start().strip_prefix('#') else {
            break;
        };
        let Some((key, value)) = body.split_once('=') else {
            break;
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() || key.contains(char::is_whitespace) {
            break;
        }
        if key == "escape" {
            escape = match value.trim() {
                "`" => '`',
                _ => '\\',
            };
        }
        i += 1;
    }
    let is_comment = |l: &str| l.trim_start().starts_with('#');
    let continues = |l: &str| -> Option<String> {
        let trimmed = l.trim_end_matches([' ', '\t']);
        trimmed.strip_suffix(escape).map(|rest| rest.to_string())
    };
    let mut out = Vec::new();
    while i < lines.len() {
        let first = lines[i].trim_start();
        i += 1;
        if first.is_empty() || is_comment(first) {
            continue;
        }
        let start = i;
        let mut text = match continues(first) {
            None => {
                out.push(Instruction {
                    line: start,
                    text: first.trim_end().to_string(),
                });
                continue;
            }
            Some(rest) => rest,
        };
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            if is_comment(line) || line.trim().is_empty() {
                continue;
            }
            match continues(line) {
                Some(rest) => text.push_str(&rest),
                None => {
                    text.push_str(line);
                    break;
                }
            }
        }
        out.push(Instruction {
            line: start,
            text: text.trim().to_string(),
        });
    }
    out
}

/// Parses the engine's `Step 3/7 : RUN make` line into (3, "3/7", "RUN make").
pub fn parse_step(line: &str) -> Option<(usize, &str, &str)> {
    let rest = line.trim_start().strip_prefix("Step ")?;
    let (numbers, text) = rest.split_once(" : ")?;
    let (n, _) = numbers.split_once('/')?;
    Some((n.trim().parse().ok()?, numbers.trim(), text.trim_end()))
}

/// The instruction the engine calls step `n` with text `text`: by position, checked by keyword;
/// falls back to the first instruction with the same words (BuildKit gives no position: n = 0).
pub fn locate<'a>(
    instructions: &'a [Instruction],
    n: usize,
    text: &str,
) -> Option<&'a Instruction> {
    let keyword = |s: &str| {
        s.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase()
    };
    if let Some(found) = n.checked_sub(1).and_then(|i| instructions.get(i))
        && keyword(&found.text) == keyword(text)
    {
        return Some(found);
    }
    // BuildKit names a step by its text with continuations joined as written: compare words.
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let wanted = words(text);
    instructions
        .iter()
        .find(|i| words(&i.text).eq_ignore_ascii_case(&wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_map_to_the_lines_they_start_on() {
        let source = "# syntax=docker/dockerfile:1\n\
# a comment\n\
ARG BASE=scratch\n\
FROM ${BASE} AS build\n\
\n\
RUN echo one \\\n\
  # inner comment\n\
  && echo two\n\
COPY . /src\n\
FROM scratch\n\
  run false\n";
        let list = instructions(source);
        let lines: Vec<usize> = list.iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![3, 4, 6, 9, 10, 11]);
        assert!(list[2].text.starts_with("RUN echo one"), "{}", list[2].text);
        assert!(list[2].text.ends_with("&& echo two"), "{}", list[2].text);
        let step = locate(&list, 6, "run false").unwrap();
        assert_eq!(step.line, 11);
    }

    #[test]
    fn the_escape_directive_changes_the_continuation_character() {
        let source = "# escape=`\nFROM scratch\nCOPY a `\n  b /\nCOPY c\\ /\n";
        let lines: Vec<usize> = instructions(source).iter().map(|i| i.line).collect();
        assert_eq!(lines, vec![2, 3, 5]);
    }

    #[test]
    fn step_lines_are_parsed() {
        assert_eq!(
            parse_step("Step 3/7 : RUN make\n"),
            Some((3, "3/7", "RUN make"))
        );
        assert_eq!(parse_step(" ---> Running in 1234"), None);
    }
}
