//! A tab's own settings (docs/sessions.md, "Tab settings"): the model its runs use and
//! when the owner is asked to approve a call. The owner changes them with
//! `setTabSettings` ([`SetTabSettingsArg`]); everyone who sees the tab reads them in
//! `getActiveTabs`, `createTab` and `initTab`, and a change is a
//! [`TabEvent::TabSettingsChanged`](crate::event::TabEvent::TabSettingsChanged) for
//! every browser. They apply from the tab's next run on.

use serde::{Deserialize, Deserializer, Serialize};

/// When the owner is asked to approve a `review` (the bouncer's `--ask-person`,
/// `MSTRO_ASK_PERSON` for the whole machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum AskPerson {
    /// When the AI reviewer does not settle it (none configured, it failed, it was not
    /// confident enough); a confident reviewer's answer stands.
    AfterReviewer,
    /// Always, instead of the AI reviewer ("ask me").
    First,
    /// Never: what the reviewer does not settle is denied.
    Never,
}

impl AskPerson {
    /// The value as the bouncer's `--ask-person` and `MSTRO_ASK_PERSON` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            AskPerson::AfterReviewer => "after-reviewer",
            AskPerson::First => "first",
            AskPerson::Never => "never",
        }
    }
}

/// A tab's settings. `null` is the machine's default:
/// [`ActiveTabs::defaults`](crate::reply::ActiveTabs::defaults) says what that is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TabSettings {
    /// The model passed to Claude Code (`--model`); `null`: Claude Code's own choice.
    /// A prompt's own `execute {model}` comes first.
    pub model: Option<String>,
    /// When the owner is asked to approve a call in this tab's runs.
    pub ask_person: Option<AskPerson>,
}

impl TabSettings {
    /// Nothing chosen: every setting is the machine's default.
    pub fn is_default(&self) -> bool {
        self.model.is_none() && self.ask_person.is_none()
    }
}

/// `setTabSettings {model?, askPerson?}` (envelope `tabId`): a field left out stays
/// as it is, `null` goes back to the machine's default. Any other field is refused.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SetTabSettingsArg {
    /// 1–100 characters of `A-Z a-z 0-9 . _ : - [ ] @ /`, not starting with `-`.
    #[serde(default)]
    #[cfg_attr(test, ts(as = "Option<Option<String>>"))]
    pub model: Change<String>,
    #[serde(default)]
    #[cfg_attr(test, ts(as = "Option<Option<AskPerson>>"))]
    pub ask_person: Change<AskPerson>,
}

/// One field of [`SetTabSettingsArg`]: left out, `null`, or a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Change<T> {
    /// Left out: as it is.
    #[default]
    Keep,
    /// `null`: the machine's default.
    Reset,
    /// This value.
    Set(T),
}

impl<T: Clone> Change<T> {
    /// The setting after this change of `now`.
    pub fn applied_to(&self, now: &Option<T>) -> Option<T> {
        match self {
            Change::Keep => now.clone(),
            Change::Reset => None,
            Change::Set(value) => Some(value.clone()),
        }
    }

    /// The value set, if one is.
    pub fn value(&self) -> Option<&T> {
        match self {
            Change::Set(value) => Some(value),
            Change::Keep | Change::Reset => None,
        }
    }
}

// A field that is there is `null` or a value; one left out never reaches this
// (`#[serde(default)]` makes it `Keep`).
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Change<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Change<T>, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(value) => Change::Set(value),
            None => Change::Reset,
        })
    }
}

impl SetTabSettingsArg {
    /// `settings` with this change made.
    pub fn applied_to(&self, settings: &TabSettings) -> TabSettings {
        TabSettings {
            model: self.model.applied_to(&settings.model),
            ask_person: self.ask_person.applied_to(&settings.ask_person),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arg(value: serde_json::Value) -> Result<SetTabSettingsArg, serde_json::Error> {
        serde_json::from_value(value)
    }

    #[test]
    fn left_out_keeps_null_resets() {
        let now = TabSettings {
            model: Some("opus".into()),
            ask_person: Some(AskPerson::First),
        };
        assert_eq!(arg(json!({})).unwrap().applied_to(&now), now);
        assert_eq!(
            arg(json!({"model": null})).unwrap().applied_to(&now),
            TabSettings {
                model: None,
                ask_person: Some(AskPerson::First)
            }
        );
        assert_eq!(
            arg(json!({"askPerson": "never", "model": "sonnet"}))
                .unwrap()
                .applied_to(&now),
            TabSettings {
                model: Some("sonnet".into()),
                ask_person: Some(AskPerson::Never)
            }
        );
        assert_eq!(
            arg(json!({"askPerson": null}))
                .unwrap()
                .applied_to(&now)
                .ask_person,
            None
        );
    }

    #[test]
    fn only_known_fields_and_values() {
        assert!(arg(json!({"askPerson": "always"})).is_err());
        assert!(arg(json!({"askPerson": "First"})).is_err());
        assert!(arg(json!({"model": 5})).is_err());
        assert!(arg(json!({"modle": "opus"})).is_err(), "a typo is refused");
        for (value, wire) in [
            (AskPerson::AfterReviewer, "after-reviewer"),
            (AskPerson::First, "first"),
            (AskPerson::Never, "never"),
        ] {
            assert_eq!(serde_json::to_value(value).unwrap(), json!(wire));
            assert_eq!(value.as_str(), wire);
        }
        assert_eq!(
            serde_json::to_string(&TabSettings::default()).unwrap(),
            r#"{"model":null,"askPerson":null}"#
        );
    }
}
