//! Enums with stable string codes, Korean and English labels.
//!
//! Every enum that is stored, synced or crosses the FFI boundary is written as its stable code (never its
//! Rust name or ordinal), so that renaming a variant cannot corrupt data. With the `uniffi` feature each
//! is also a uniffi enum with `code()`, `label_ko()` and `label_en()`.

/// Declares an enum whose variants each have a stable code, a Korean label and an English label.
///
/// Generates `ALL`, `code()`, `label_ko()`, `label_en()`, `from_code()`, `FromStr` (a typed
/// [`crate::CoreError`] naming the field for an unknown code) and serde as the code string.
#[macro_export]
macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident : $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $ko:literal, $en:literal) ),+ $(,)?
        }
    ) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
        $(#[$meta])*
        $vis enum $name { $( $(#[$vmeta])* $variant ),+ }

        // The same three answers for the shells (Kotlin `code()`, Swift `code()`, Python `code()`).
        #[cfg(feature = "uniffi")]
        #[uniffi::export]
        impl $name {
            /// The stable code stored and synced for this value.
            #[uniffi::method(name = "code")]
            pub fn ffi_code(&self) -> String {
                self.code().to_owned()
            }

            /// Korean label for people.
            #[uniffi::method(name = "label_ko")]
            pub fn ffi_label_ko(&self) -> String {
                self.label_ko().to_owned()
            }

            /// English label for people.
            #[uniffi::method(name = "label_en")]
            pub fn ffi_label_en(&self) -> String {
                self.label_en().to_owned()
            }
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant ),+ ];

            /// The stable code stored and synced for this value.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code ),+ }
            }

            /// Korean label for people.
            pub fn label_ko(self) -> &'static str {
                match self { $( $name::$variant => $ko ),+ }
            }

            /// English label for people.
            pub fn label_en(self) -> &'static str {
                match self { $( $name::$variant => $en ),+ }
            }

            /// Every stable code, comma-separated: what an error for an unknown code lists.
            pub fn valid_codes() -> String {
                [$( $code ),+].join(", ")
            }

            /// Parses a stable code, or `None` if it is unknown.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $( $code => Some($name::$variant), )+ _ => None }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::CoreError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s).ok_or_else(|| {
                    $crate::CoreError::invalid(
                        "unknown_code",
                        $field,
                        format!("알 수 없는 코드입니다: {} = {:?} (가능한 값: {})", $field, s, Self::valid_codes()),
                        format!("unknown code for {}: {:?} (valid codes: {})", $field, s, Self::valid_codes()),
                    )
                })
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::from_code(&s).ok_or_else(|| {
                    <D::Error as ::serde::de::Error>::custom(format!(
                        "unknown code for {}: {:?}", $field, s
                    ))
                })
            }
        }

        impl ::rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> ::rusqlite::Result<::rusqlite::types::ToSqlOutput<'_>> {
                Ok(::rusqlite::types::ToSqlOutput::from(self.code()))
            }
        }

        impl ::rusqlite::types::FromSql for $name {
            fn column_result(
                v: ::rusqlite::types::ValueRef<'_>,
            ) -> ::rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::from_code(s).ok_or_else(|| {
                    ::rusqlite::types::FromSqlError::Other(
                        format!("unknown code for {}: {:?}", $field, s).into(),
                    )
                })
            }
        }
    };
}
