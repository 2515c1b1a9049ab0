//! Closed vocabularies whose names are stored and shown as they are: each name is written once,
//! here, and serde, sqlx, the OpenAPI document (hence the console's types) and [`as_str`] all
//! read it from there.
//!
//! [`as_str`]: crate::Role::as_str

/// Declares `enum $name { Variant = "name", ... }` with `ALL` (every variant, in order),
/// `as_str`, `Display`, serde, and, behind the crate's features, `utoipa::ToSchema` and a
/// Postgres `text` encoding. Names are `tt`, not `literal`: utoipa does not read a `literal`
/// fragment in `#[serde(rename)]` and would publish the variant's Rust name.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:tt, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(type_name = "text"))]
        pub enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $text)]
                #[cfg_attr(feature = "sqlx", sqlx(rename = $text))]
                $variant,
            )+
        }

        impl $name {
            /// Every name, in the order of the declaration.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The name stored in the database and shown by the API.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;
