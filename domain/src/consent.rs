//! Consent keywords (R19): a contact withdraws consent by writing `STOP` (or another opt-out
//! keyword) and gives it back with `START`.
//!
//! Only a message whose **whole** text is a keyword counts: "please stop calling me at night" is
//! an ordinary reply, because reading consent into a sentence would silence contacts who meant
//! something else. Matching ignores surrounding blanks, case and accents (`Arrêt`, `ARRET` and
//! `arret` are one keyword), so a contact need not type the operator's exact spelling.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Opt-out keywords when the configuration names none (English and French, as the operators'
/// contacts write them).
pub const DEFAULT_OPT_OUT_KEYWORDS: [&str; 11] = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "ARRET",
    "ARRÊT",
    "DESINSCRIRE",
    "DÉSINSCRIRE",
    "DESABONNER",
];

/// Opt-in keywords when the configuration names none.
pub const DEFAULT_OPT_IN_KEYWORDS: [&str; 3] = ["START", "UNSTOP", "REPRENDRE"];

/// A change of a contact's consent, made by the contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChange {
    /// The contact withdrew consent: nothing more is sent to them.
    OptOut,
    /// The contact gave consent back after an opt-out.
    OptIn,
}

impl ConsentChange {
    pub const ALL: [ConsentChange; 2] = [ConsentChange::OptOut, ConsentChange::OptIn];

    /// The name used in the database and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChange::OptOut => "opt_out",
            ConsentChange::OptIn => "opt_in",
        }
    }
}

/// The keywords a message is compared with, kept folded (see [`fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentKeywords {
    opt_out: Vec<String>,
    opt_in: Vec<String>,
}

/// A keyword list that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidKeywords {
    #[error("the opt-out keyword list is empty")]
    NoOptOutKeyword,
    #[error("`{0}` is both an opt-out and an opt-in keyword")]
    Both(String),
}

impl Default for ConsentKeywords {
    fn default() -> Self {
        ConsentKeywords::new(DEFAULT_OPT_OUT_KEYWORDS, DEFAULT_OPT_IN_KEYWORDS)
            .expect("the default keyword lists are disjoint and not empty")
    }
}

impl ConsentKeywords {
    /// Keyword lists from configuration. Blank entries are dropped; a word in both lists is
    /// refused, since a contact's message could then mean either.
    pub fn new<O, I>(opt_out: O, opt_in: I) -> Result<ConsentKeywords, InvalidKeywords>
    where
        O: IntoIterator,
        O::Item: AsRef<str>,
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let folded = |words: Vec<String>| -> Vec<String> {
            let mut words: Vec<String> = words
                .iter()
                .map(|word| fold(word))
                .filter(|word| !word.is_empty())
                .collect();
            words.sort();
            words.dedup();
            words
        };
        let opt_out = folded(opt_out.into_iter().map(|w| w.as_ref().to_owned()).collect());
        let opt_in = folded(opt_in.into_iter().map(|w| w.as_ref().to_owned()).collect());
        if opt_out.is_empty() {
            return Err(InvalidKeywords::NoOptOutKeyword);
        }
        if let Some(both) = opt_out.iter().find(|word| opt_in.contains(word)) {
            return Err(InvalidKeywords::Both(both.clone()));
        }
        Ok(ConsentKeywords { opt_out, opt_in })
    }

    /// The consent change a message's text makes, if its whole text is a keyword.
    pub fn classify(&self, text: &str) -> Option<ConsentChange> {
        let folded = fold(text);
        if self.opt_out.contains(&folded) {
            Some(ConsentChange::OptOut)
        } else if self.opt_in.contains(&folded) {
            Some(ConsentChange::OptIn)
        } else {
            None
        }
    }
}

/// Trimmed, accents dropped (canonical decomposition, combining marks removed), upper case.
pub fn fold(text: &str) -> String {
    // Trimmed last: a combining mark dropped here can uncover white space (`"\u{1772} x"`).
    let folded: String = text
        .nfd()
        .filter(|&c| !is_combining_mark(c))
        .flat_map(char::to_uppercase)
        .collect();
    folded.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_issue_examples() {
        let keywords = ConsentKeywords::default();
        for text in [
            "STOP",
            " stop ",
            "Stop\n",
            "arrêt",
            "ARRET",
            "Désinscrire",
            "désabonner",
        ] {
            assert_eq!(
                keywords.classify(text),
                Some(ConsentChange::OptOut),
                "{text:?}"
            );
        }
        for text in ["START", "unstop", "Reprendre"] {
            assert_eq!(
                keywords.classify(text),
                Some(ConsentChange::OptIn),
                "{text:?}"
            );
        }
        for text in [
            "please stop calling me at night",
            "STOP!",
            "stop stop",
            "",
            "Oui",
            "startup",
        ] {
            assert_eq!(keywords.classify(text), None, "{text:?}");
        }
    }

    #[test]
    fn configured_lists_are_checked() {
        assert_eq!(
            ConsentKeywords::new(["STOP"], ["stop"]),
            Err(InvalidKeywords::Both("STOP".to_owned()))
        );
        assert_eq!(
            ConsentKeywords::new([" "], ["START"]),
            Err(InvalidKeywords::NoOptOutKeyword)
        );
        let keywords = ConsentKeywords::new(["basta"], Vec::<String>::new()).unwrap();
        assert_eq!(keywords.classify("BASTA"), Some(ConsentChange::OptOut));
        assert_eq!(keywords.classify("STOP"), None);
        assert_eq!(keywords.classify("START"), None);
    }

    /// A keyword written in any mix of case, with any blanks around it.
    fn written(keyword: &'static str) -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(any::<bool>(), keyword.chars().count()),
            "[ \t\n]{0,3}",
            "[ \t\n]{0,3}",
        )
            .prop_map(move |(upper, before, after)| {
                let body: String = keyword
                    .chars()
                    .zip(upper)
                    .map(|(c, up)| {
                        if up {
                            c.to_uppercase().collect::<String>()
                        } else {
                            c.to_lowercase().collect::<String>()
                        }
                    })
                    .collect();
                format!("{before}{body}{after}")
            })
    }

    /// A combining mark in front of a keyword is dropped, and the space it hid is trimmed too.
    #[test]
    fn a_stray_combining_mark_before_a_keyword_still_opts_out() {
        assert_eq!(fold("\u{1772} stop"), "STOP");
        assert_eq!(
            ConsentKeywords::default().classify("\u{301} Stop"),
            Some(ConsentChange::OptOut)
        );
    }

    proptest! {
        /// Every default opt-out keyword opts out however it is cased or padded.
        #[test]
        fn keywords_match_in_any_case_and_padding(
            text in proptest::sample::select(DEFAULT_OPT_OUT_KEYWORDS.to_vec()).prop_flat_map(written)
        ) {
            prop_assert_eq!(ConsentKeywords::default().classify(&text), Some(ConsentChange::OptOut));
        }

        /// A keyword with other words around it is an ordinary reply, never consent withdrawn.
        #[test]
        fn a_keyword_inside_a_sentence_is_not_consent(
            keyword in proptest::sample::select(DEFAULT_OPT_OUT_KEYWORDS.to_vec()),
            before in "[a-z]{1,8}",
            after in "[a-z]{1,8}",
            which in 0..3u8,
        ) {
            let text = match which {
                0 => format!("{before} {keyword}"),
                1 => format!("{keyword} {after}"),
                _ => format!("{before} {keyword} {after}"),
            };
            prop_assert_eq!(ConsentKeywords::default().classify(&text), None);
        }

        /// Folding is idempotent and drops every combining mark.
        #[test]
        fn folding_is_stable(text in "\\PC{0,20}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once.clone());
            prop_assert!(!once.chars().any(is_combining_mark));
        }
    }
}
