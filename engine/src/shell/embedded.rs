//! Command substitutions inside text that bash expands a second time: an array
//! subscript in `declare 'a[$(cmd)]=1'` or `printf -v 'a[$(cmd)]'`, a value shown with
//! `${x@P}`, a default written with backticks that tree-sitter keeps as a plain word.

/// The code of every `$(...)` and `` `...` `` in `text`, outermost first.
pub(crate) fn substitutions(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '$' if chars.get(i + 1) == Some(&'(') && chars.get(i + 2) != Some(&'(') => {
                let start = i + 2;
                let mut depth = 1;
                let mut j = start;
                let mut quote: Option<char> = None;
                while j < chars.len() {
                    let c = chars[j];
                    match quote {
                        Some(q) if c == q => quote = None,
                        Some(_) => {}
                        None => match c {
                            '\'' | '"' => quote = Some(c),
                            '\\' => j += 1,
                            '(' => depth += 1,
                            ')' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        },
                    }
                    j += 1;
                }
                // An unclosed `$(` still runs what follows as far as bash is concerned.
                let end = j.min(chars.len());
                out.push(chars[start..end].iter().collect());
                i = end + 1;
            }
            '`' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && chars[j] != '`' {
                    if chars[j] == '\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let end = j.min(chars.len());
                let code: String = chars[start..end].iter().collect();
                out.push(code.replace("\\`", "`"));
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::substitutions;

    #[test]
    fn finds_both_forms() {
        assert_eq!(substitutions("a[$(rm -rf ~)]=1"), vec!["rm -rf ~"]);
        assert_eq!(substitutions("`rm -rf ~`"), vec!["rm -rf ~"]);
        assert_eq!(
            substitutions("x$(echo $(id))y`date`"),
            vec!["echo $(id)", "date"]
        );
        assert_eq!(substitutions("$(echo ')')"), vec!["echo ')'"]);
        assert_eq!(substitutions("$(rm -rf ~"), vec!["rm -rf ~"]);
    }

    #[test]
    fn arithmetic_and_escapes_are_not_commands() {
        assert!(substitutions("$((1+2))").is_empty());
        assert!(substitutions("\\$(id) \\`id\\`").is_empty());
        assert!(substitutions("plain text").is_empty());
    }
}
