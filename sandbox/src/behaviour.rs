//! How simulated contacts behave: what kinds of answers they give, how fast, and which numbers
//! answer a scripted text or button.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What a simulated contact does after receiving a campaign message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyKind {
    /// A text reply.
    Text,
    /// An image, sometimes with a caption.
    Image,
    /// A video, sometimes with a caption.
    Video,
    /// An audio file.
    Audio,
    /// A voice note, which WhatsApp and Wassenger call `ptt` (push-to-talk).
    #[serde(rename = "ptt", alias = "voice")]
    Voice,
    /// A document (PDF), sometimes with a caption.
    Document,
    /// A sticker.
    Sticker,
    /// A shared location.
    Location,
    /// An emoji reaction to the campaign message, delivered as a `message:reaction` event.
    #[serde(alias = "emoji")]
    Reaction,
    /// Shared contact cards (Meta only).
    Contacts,
    /// A tap on a template's quick-reply button (Meta only).
    Button,
    /// A tap on an interactive reply button (Meta only).
    Interactive,
    /// A reaction, then its removal: Meta's reaction message without an emoji (Meta only).
    #[serde(rename = "reaction_removed")]
    ReactionRemoved,
}

impl ReplyKind {
    /// Every kind, the default pool replies are drawn from.
    pub const ALL: [Self; 9] = [
        Self::Text,
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Voice,
        Self::Document,
        Self::Sticker,
        Self::Location,
        Self::Reaction,
    ];

    /// Every kind Meta's webhooks can carry, the default pool of Meta replies.
    pub const META_ALL: [Self; 13] = [
        Self::Text,
        Self::Image,
        Self::Video,
        Self::Audio,
        Self::Voice,
        Self::Document,
        Self::Sticker,
        Self::Location,
        Self::Reaction,
        Self::Contacts,
        Self::Button,
        Self::Interactive,
        Self::ReactionRemoved,
    ];
}

/// How simulated contacts behave after a message is accepted. Changeable at runtime, because the
/// engine's webhook URL is often only known after the sandbox has started.
#[derive(Clone, PartialEq)]
pub struct Behaviour {
    /// Where webhook events are POSTed; no events at all when `None`.
    pub webhook_url: Option<String>,
    /// Sent as the `X-Webhook-Secret` header with every event when set.
    pub webhook_secret: Option<String>,
    /// Probability that a contact answers (reply or reaction). Values outside 0–1 saturate.
    pub reply_probability: f64,
    /// Delay between the `read` ack and the answer.
    pub reply_delay: Duration,
    /// Delay before each ack (`sent`, `delivered`, `read`).
    pub ack_delay: Duration,
    /// Kinds answers are drawn from, uniformly; empty means every kind.
    pub reply_types: Vec<ReplyKind>,
    /// Numbers (E.164 with `+`) that answer every message with exactly this text, whatever
    /// `reply_probability` says: how tests make a chosen contact write `STOP`.
    pub scripted_replies: BTreeMap<String, String>,
    /// Numbers (E.164 with `+`) that answer every Meta message by tapping a quick-reply button
    /// with this payload and text; on Wassenger, which has no buttons, they answer this text.
    pub scripted_buttons: BTreeMap<String, String>,
}

impl fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Behaviour");
        self.debug_fields(&mut debug);
        debug.finish()
    }
}

impl Behaviour {
    /// Adds the fields to a `Debug` output, the secret redacted; [`SandboxConfig`]'s `Debug`
    /// shows them the same way.
    pub(crate) fn debug_fields(&self, debug: &mut fmt::DebugStruct<'_, '_>) {
        debug
            .field("webhook_url", &self.webhook_url)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("reply_probability", &self.reply_probability)
            .field("reply_delay", &self.reply_delay)
            .field("ack_delay", &self.ack_delay)
            .field("reply_types", &self.reply_types)
            .field("scripted_replies", &self.scripted_replies)
            .field("scripted_buttons", &self.scripted_buttons);
    }

    /// The kinds Wassenger answers are actually drawn from: Meta-only kinds are left out, and
    /// nothing left means every Wassenger kind.
    pub(crate) fn effective_reply_types(&self) -> Vec<ReplyKind> {
        let kinds: Vec<ReplyKind> = self
            .reply_types
            .iter()
            .copied()
            .filter(|kind| ReplyKind::ALL.contains(kind))
            .collect();
        if kinds.is_empty() {
            ReplyKind::ALL.to_vec()
        } else {
            kinds
        }
    }

    /// The kinds Meta answers are actually drawn from.
    pub(crate) fn effective_meta_reply_types(&self) -> &[ReplyKind] {
        if self.reply_types.is_empty() {
            &ReplyKind::META_ALL
        } else {
            &self.reply_types
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_kinds_use_wassenger_names() {
        let names = serde_json::to_value(ReplyKind::ALL).expect("serializes");
        assert_eq!(
            names,
            serde_json::json!([
                "text", "image", "video", "audio", "ptt", "document", "sticker", "location",
                "reaction"
            ])
        );
        let aliases: Vec<ReplyKind> =
            serde_json::from_str(r#"["voice","emoji"]"#).expect("aliases parse");
        assert_eq!(aliases, [ReplyKind::Voice, ReplyKind::Reaction]);
    }
}
