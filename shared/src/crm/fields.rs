//! A resource's writable fields, declared once: `writable_fields!` takes one line per field (its name,
//! its [`Kind`] and its rule) and yields the validated value struct, the create body (required fields,
//! optional ones, defaults), the patch body (every field optional, plus `version`), the stored column
//! list and the values in that order (`cells()`), from which [`super::record`] builds the SQL.
//!
//! The kinds say how a field is read in each body:
//!
//! | kind          | value            | create                         | patch: absent/null | patch: `""` |
//! |---------------|------------------|--------------------------------|--------------------|-------------|
//! | [`Required`]  | `String`         | must be there, checked         | unchanged          | checked (so refused) |
//! | [`Optional`]  | `Option<String>` | absent/null → `None`, checked  | unchanged          | cleared     |
//! | [`Money`]     | `Option<i64>`    | absent/null → `None`, checked  | unchanged          | (a number)  |
//! | [`Choice<T>`] | `T`              | absent/null → the rule (default) | unchanged        | (an enum)   |

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::check::{clear_or, opt};
use super::record::Cell;
use crate::error::ApiError;

/// The check of a text field: its name and the raw text → the stored text, or a 422 naming the field.
pub type TextRule = fn(&'static str, &str) -> Result<String, ApiError>;
/// The check of an amount.
pub type IntRule = fn(&'static str, i64) -> Result<i64, ApiError>;

/// How one field is read in the create and patch bodies and stored.
pub trait Kind {
    /// The validated value.
    type Value;
    /// The field in the create body.
    type Create: DeserializeOwned + Default;
    /// The field in the patch body (`Default`: absent).
    type Patch: DeserializeOwned + Default;
    /// The check, or for a [`Choice`] the default.
    type Rule;
    fn create(field: &'static str, raw: Self::Create, rule: Self::Rule) -> Result<Self::Value, ApiError>;
    fn patch(field: &'static str, raw: Self::Patch, slot: &mut Self::Value, rule: Self::Rule) -> Result<(), ApiError>;
    fn cell(v: &Self::Value) -> Cell<'_>;
}

/// Text that every record has.
pub struct Required;
/// Text a record may lack; a patch clears it with `""`.
pub struct Optional;
/// An optional amount of rupiah.
pub struct Money;
/// One of a fixed set of values, with a default for new records.
pub struct Choice<T>(PhantomData<T>);

/// A value of a [`Choice`]: stored as its name.
pub trait Named: Copy + DeserializeOwned {
    fn name(self) -> &'static str;
}

impl Kind for Required {
    type Value = String;
    type Create = String;
    type Patch = Option<String>;
    type Rule = TextRule;
    fn create(field: &'static str, raw: String, rule: TextRule) -> Result<String, ApiError> {
        rule(field, &raw)
    }
    fn patch(field: &'static str, raw: Option<String>, slot: &mut String, rule: TextRule) -> Result<(), ApiError> {
        if let Some(v) = raw {
            *slot = rule(field, &v)?;
        }
        Ok(())
    }
    fn cell(v: &String) -> Cell<'_> {
        Cell::Text(v)
    }
}

impl Kind for Optional {
    type Value = Option<String>;
    type Create = Option<String>;
    type Patch = Option<String>;
    type Rule = TextRule;
    fn create(field: &'static str, raw: Option<String>, rule: TextRule) -> Result<Option<String>, ApiError> {
        opt(raw, |s| rule(field, s))
    }
    fn patch(
        field: &'static str,
        raw: Option<String>,
        slot: &mut Option<String>,
        rule: TextRule,
    ) -> Result<(), ApiError> {
        if let Some(v) = clear_or(raw, |s| rule(field, s))? {
            *slot = v;
        }
        Ok(())
    }
    fn cell(v: &Option<String>) -> Cell<'_> {
        v.as_deref().into()
    }
}

impl Kind for Money {
    type Value = Option<i64>;
    type Create = Option<i64>;
    type Patch = Option<i64>;
    type Rule = IntRule;
    fn create(field: &'static str, raw: Option<i64>, rule: IntRule) -> Result<Option<i64>, ApiError> {
        raw.map(|v| rule(field, v)).transpose()
    }
    fn patch(field: &'static str, raw: Option<i64>, slot: &mut Option<i64>, rule: IntRule) -> Result<(), ApiError> {
        if let Some(v) = raw {
            *slot = Some(rule(field, v)?);
        }
        Ok(())
    }
    fn cell(v: &Option<i64>) -> Cell<'_> {
        (*v).into()
    }
}

impl<T: Named> Kind for Choice<T> {
    type Value = T;
    type Create = Option<T>;
    type Patch = Option<T>;
    type Rule = T;
    fn create(_: &'static str, raw: Option<T>, default: T) -> Result<T, ApiError> {
        Ok(raw.unwrap_or(default))
    }
    fn patch(_: &'static str, raw: Option<T>, slot: &mut T, _: T) -> Result<(), ApiError> {
        if let Some(v) = raw {
            *slot = v;
        }
        Ok(())
    }
    fn cell(v: &T) -> Cell<'_> {
        Cell::Text(v.name())
    }
}

/// Declares a resource's writable fields once (see the module doc). A field marked
/// `#[create(serde(skip_deserializing))]` is not part of the create body (it starts empty, or at its default).
/// The create body may have extra, non-stored fields first (`create NewPracticeBody { client_id: String }`),
/// checked by the closure given to `validate_with`.
macro_rules! writable_fields {
    (
        $(#[$fmeta:meta])* fields $Fields:ident;
        $(#[$cmeta:meta])* create $Create:ident { $($xname:ident: $xty:ty),* $(,)? }
        $(#[$pmeta:meta])* patch $Patch:ident;
        $(#[$colmeta:meta])* columns $COLUMNS:ident;
        $( $(#[create($cattr:meta)])? $name:ident: $kind:ty = $rule:expr ),+ $(,)?
    ) => {
        $(#[$fmeta])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub struct $Fields {
            $(pub $name: <$kind as $crate::crm::fields::Kind>::Value,)+
        }

        $(#[$cmeta])*
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $Create {
            $(pub $xname: $xty,)*
            $( $(#[$cattr])? pub $name: <$kind as $crate::crm::fields::Kind>::Create,)+
        }

        $(#[$pmeta])*
        #[derive(Debug, Default, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $Patch {
            $(pub $name: <$kind as $crate::crm::fields::Kind>::Patch,)+
            pub version: Option<i64>,
        }

        $(#[$colmeta])*
        pub const $COLUMNS: [&str; [$(stringify!($name)),+].len()] = [$(stringify!($name)),+];

        impl $Fields {
            /// The values of the columns, in their order.
            pub fn cells(&self) -> [$crate::crm::record::Cell<'_>; $COLUMNS.len()] {
                [$(<$kind as $crate::crm::fields::Kind>::cell(&self.$name)),+]
            }
        }

        impl $Create {
            /// The names the create body accepts: its extra fields, then the columns it sets.
            pub fn field_names() -> Vec<&'static str> {
                let columns = [$( (stringify!($name), concat!("" $(, stringify!($cattr))?)) ),+];
                let mut names = vec![$(stringify!($xname)),*];
                names.extend(columns.iter().filter(|(_, attr)| !attr.contains("skip")).map(|(n, _)| *n));
                names
            }

            /// Checks the extra fields (with `extra`), then each column's, in declaration order; the first
            /// failure is the 422.
            pub fn validate_with<E>(
                self,
                extra: impl FnOnce(&Self) -> Result<E, $crate::error::ApiError>,
            ) -> Result<(E, $Fields), $crate::error::ApiError> {
                let e = extra(&self)?;
                let fields = $Fields {
                    $($name: <$kind as $crate::crm::fields::Kind>::create(stringify!($name), self.$name, $rule)?,)+
                };
                Ok((e, fields))
            }
        }

        impl $Patch {
            /// The names the patch body accepts: every column, and `version`.
            pub fn field_names() -> Vec<&'static str> {
                vec![$(stringify!($name),)+ "version"]
            }

            /// The record after this patch: absent or null fields stay, the others are checked in
            /// declaration order.
            pub fn apply(self, mut record: $Fields) -> Result<$Fields, $crate::error::ApiError> {
                $(<$kind as $crate::crm::fields::Kind>::patch(stringify!($name), self.$name, &mut record.$name, $rule)?;)+
                Ok(record)
            }
        }
    };
}
pub(crate) use writable_fields;
